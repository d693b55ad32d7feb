"""The email outbox: one row per email telling a mailbox's owner of a voicemail message, or
a fax number's owner of a fax received (with its PDF).

``queue_email`` / ``queue_fax_email`` put a row in (in the caller's transaction, beside the
message or the fax). The sender
(switchctl.voicemail_mailer) takes the rows that are due (``due``: one query on the
``next_try`` index), claims each (``claim``: an UPDATE that only one of several switchctl
instances on the database can win, moving ``next_try`` a lease ahead so a sender that dies
mid-send is followed by another try once the lease is over), and records what came of it:
``mark_sent``, ``mark_retry`` (back-off doubling from RETRY_FIRST up to RETRY_LONGEST; after
MAX_ATTEMPTS, or at once on a permanent refusal, the row is failed for good), and ``error``
always keeps the server's words. ``status_of`` / ``statuses`` say it per message for the
portal; ``listing`` and ``retry`` serve ``switchctl outbox``.
"""

import dataclasses
import datetime

import peewee

from switchctl.models import Extension, FaxJob, VoicemailEmail, VoicemailMessage
from switchctl.models.base import now as local_now
from switchctl.services import ValidationError

OPEN = ("pending", "retrying")  # still to be sent
RETRY_FIRST = datetime.timedelta(minutes=1)
RETRY_LONGEST = datetime.timedelta(hours=1)
MAX_ATTEMPTS = 10  # 1+2+4+8+16+32+60+60+60 minutes: about 4 h of tries
# How long a claim holds a row: far longer than one send may take (the sender gives up on
# a send after voicemail_mailer.SEND_SECONDS).
LEASE = datetime.timedelta(minutes=10)
DUE_BATCH = 20
NO_SMTP = "no SMTP server configured"
ERROR_LENGTH = 1000  # of the server's words kept


def queue_email(message, clock=local_now):
    """The outbox row telling ``message``'s mailbox owner of it, or None when the owner has
    no email address. Inside a transaction, the row is part of it."""
    recipient = (message.mailbox.email or "").strip()
    if not recipient:
        return None
    return VoicemailEmail.create(message=message, recipient=recipient, next_try=clock())


def queue_fax_email(job, clock=local_now):
    """The outbox row sending the received fax ``job`` (its PDF) to its owner, or None when
    the owner has no email address or nothing was received."""
    recipient = (job.extension.email or "").strip()
    if not recipient or not job.pdf_path:
        return None
    return VoicemailEmail.create(fax=job, recipient=recipient, next_try=clock())


def due(now, limit=DUE_BATCH):
    """The open rows whose time has come, soonest first (not claimed: see ``claim``)."""
    return list(VoicemailEmail.select()
                .where(VoicemailEmail.next_try <= now, VoicemailEmail.status.in_(OPEN))
                .order_by(VoicemailEmail.next_try, VoicemailEmail.id).limit(limit))


def claim(email_id, now, lease=LEASE):
    """The row ``email_id``, claimed for one try (its attempt counted, ``next_try`` moved
    ``lease`` ahead), or None when it is not due or another sender claimed it first."""
    won = (VoicemailEmail.update(next_try=now + lease, attempts=VoicemailEmail.attempts + 1)
           .where(VoicemailEmail.id == email_id, VoicemailEmail.status.in_(OPEN),
                  VoicemailEmail.next_try <= now)
           .execute())
    return VoicemailEmail.get_or_none(VoicemailEmail.id == email_id) if won == 1 else None


def mark_sent(email, now):
    _update(email, status="sent", sent=now, error="")


def mark_retry(email, error, now, permanent=False):
    """After a try that failed with ``error``: tried again after the back-off, or failed
    for good when ``permanent`` or after MAX_ATTEMPTS. Returns the status set."""
    status = "failed" if permanent or email.attempts >= MAX_ATTEMPTS else "retrying"
    changes = {"status": status, "error": _words(error)}
    if status == "retrying":
        changes["next_try"] = now + backoff(email.attempts)
    _update(email, **changes)
    return status


def mark_failed(email, error):
    """Failed for good, whatever the attempts (a WAV that cannot be read, a bad address)."""
    _update(email, status="failed", error=_words(error))


def backoff(attempts):
    """The wait after the ``attempts``-th failed try: RETRY_FIRST doubling, at most
    RETRY_LONGEST."""
    return min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_LONGEST)


def note_waiting(reason, now):
    """Say ``reason`` (NO_SMTP) on every open row that is due, so its status is not a bare
    "pending"; the rows stay due. Returns how many rows it changed."""
    return (VoicemailEmail.update(error=reason)
            .where(VoicemailEmail.next_try <= now, VoicemailEmail.status.in_(OPEN),
                   VoicemailEmail.error != reason)
            .execute())


def _update(email, **changes):
    VoicemailEmail.update(**changes).where(VoicemailEmail.id == email.id).execute()
    for name, value in changes.items():
        setattr(email, name, value)


def _words(error):
    text = " ".join(str(error).split())
    return text[:ERROR_LENGTH]


@dataclasses.dataclass(frozen=True)
class EmailStatus:
    """What became of one message's email, for the portal and the CLI."""

    id: int
    message_id: int | None  # a voicemail message's email
    mailbox: str
    recipient: str
    status: str
    attempts: int
    next_try: datetime.datetime | None  # None once sent or failed
    error: str
    sent: datetime.datetime | None
    fax_id: int | None = None  # a received fax's email

    def __str__(self):
        if self.status == "sent":
            return f"sent to {self.recipient} at {self.sent:%Y-%m-%d %H:%M}"
        if self.status == "failed":
            return f"failed after {_tries(self.attempts)}: {self.error}"
        text = f"{self.status}, {_tries(self.attempts)}, next at {self.next_try:%Y-%m-%d %H:%M}"
        return f"{text}: {self.error}" if self.error else text


def _tries(attempts):
    return f"{attempts} tr{'y' if attempts == 1 else 'ies'}"


def _status(email, mailbox):
    return EmailStatus(id=email.id, message_id=email.message_id, mailbox=mailbox,
                       recipient=email.recipient, status=email.status,
                       attempts=email.attempts,
                       next_try=email.next_try if email.status in OPEN else None,
                       error=email.error, sent=email.sent, fax_id=email.fax_id)


def _with_mailbox():
    """The outbox rows with the extension each is for (a message's mailbox, a fax's owner):
    read ``row.owner.number``."""
    return (VoicemailEmail.select(VoicemailEmail, Extension.number)
            .join(VoicemailMessage, peewee.JOIN.LEFT_OUTER).switch(VoicemailEmail)
            .join(FaxJob, peewee.JOIN.LEFT_OUTER).switch(VoicemailEmail)
            .join(Extension, on=((Extension.id == VoicemailMessage.mailbox)
                                 | (Extension.id == FaxJob.extension)), attr="owner"))


def statuses(message_ids):
    """``{message id: EmailStatus}`` of the newest email of each message that has one
    (one query)."""
    rows = (_with_mailbox().where(VoicemailEmail.message.in_(list(message_ids)))
            .order_by(VoicemailEmail.id))
    return {row.message_id: _status(row, row.owner.number) for row in rows}


def status_of(message):
    """The EmailStatus of ``message``'s email, or None when none was queued."""
    return statuses([message.id]).get(message.id)


def listing(domain, only_open=False, limit=100):
    """The domain's outbox rows, newest first."""
    query = (_with_mailbox().where(Extension.domain == domain)
             .order_by(VoicemailEmail.id.desc()).limit(limit))
    if only_open:
        query = query.where(VoicemailEmail.status.in_(OPEN))
    return [_status(row, row.owner.number) for row in query]


def retry(domain, email_id, now=None):
    """Try the failed email ``email_id`` of ``domain`` again now, its attempts counted from
    zero (an operator's answer once the cause is fixed). An open one is left alone: it may
    be being sent right now."""
    email = _with_mailbox().where(VoicemailEmail.id == email_id,
                                  Extension.domain == domain).first()
    if email is None:
        raise ValidationError(f"no email {email_id} in the outbox")
    if email.status == "sent":
        raise ValidationError(f"email {email_id} was sent at {email.sent:%Y-%m-%d %H:%M}")
    if email.status in OPEN:
        raise ValidationError(f"email {email_id} is {email.status}: it is tried again at "
                              f"{email.next_try:%Y-%m-%d %H:%M}")
    _update(email, status="pending", attempts=0, next_try=now or local_now(), error="")
    return email
