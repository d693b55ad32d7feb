"""Virtual fax (SPEC 1.6): faxes an extension sends through the trunk and receives on its
fax numbers (services/fax_numbers), and the log of both.

Sending is a queue of FaxJob rows, safe for several switchctl instances on one database
and for restarts of either switchctl or the switch:

- ``submit`` checks the destination (an outbound prefix + number the sender may call),
  turns the uploads into the modem's TIFF and the log's PDF (services/fax_documents), writes
  both under the media folder's ``fax/sent`` and then the row, ``queued``, due now.
- ``due`` (one query on the (status, next_try) index) gives the queued rows whose time has
  come and the sending rows whose claim has run out; ``claim`` wins each queued one with an
  UPDATE only one instance can win (``sending``, an attempt recorded with the call's uuid)
  and hands back the calls to place (esl/fax_sender sends the originate).
- ``report`` takes what the switch said (freeswitch/fax_results: the txfax result, the
  sending leg's hang-up, or the same from the CDR), once per try: sent; busy, not answered
  or a failed transmission tried again ``fax_retry_minutes`` later, ``fax_retries`` times at
  most; a number that can never take the call failed at once.
- The watchdog: a sending row whose claim ran out is asked about (``uuid_exists``): a call
  still up has its claim extended; a call gone is given CDR_GRACE for its record to come
  (switchctl may have been away when it ended), then the try is ``lost`` and retried.

A received fax (the rxfax result of a call to a fax number) becomes a ``received`` row (or a
``failed`` one with the switch's reason), its TIFF converted to a PDF, once per call, and
the PDF is emailed to the owner when it has an address (the outbox: voicemail_mailer).

Times are local and naive, as models/fax keeps them.
"""

import dataclasses
import datetime
import functools
import logging
import os
import re
import uuid as uuid_module
from pathlib import Path

import gevent.event
import peewee

from switchctl.db import one_at_a_time
from switchctl.freeswitch import fax_results
from switchctl.models import Domain, Extension, FaxAttempt, FaxJob, database
from switchctl.models.base import now as local_now
from switchctl.services import (ValidationError, call_records, domains, fax_documents,
                                fax_numbers, setting_limits, voicemail_email)
from switchctl.pool import run_in_child, run_in_pool
from switchctl.services.setting_limits import Limit
from switchctl.services.voicemail import make_folders

log = logging.getLogger(__name__)
SENT_FOLDER = Path("fax") / "sent"
RECEIVED_FOLDER = Path("fax") / "received"
OPEN = ("queued", "sending")
DESTINATION = re.compile(r"^\+?[0-9]{2,32}\Z")
PAGE_SECONDS = 90  # the longest a page may take at 2,400 bit/s with retraining
CALL_MARGIN = datetime.timedelta(seconds=60)  # answer, training, the result's way back
CDR_GRACE = datetime.timedelta(minutes=2)  # for a gone call's record to come
STILL_UP = datetime.timedelta(minutes=2)  # the claim a live call gets each time it is asked
MAX_PENDING = 50  # queued or sending per extension
# Fax calls out at once, over all domains: each holds a trunk channel and a modem in the
# switch; the rest wait their turn in the queue (due as before, placed as calls end).
MAX_CALLS = 8
CLAIM_LOCK = 0x5C_FA_C5  # PostgreSQL's advisory lock of the claim ("switchctl fax")
FILE_MODE = 0o640

LIMITS = {
    "fax_retries": Limit(3, 0, 10, "tries after the first"),
    "fax_retry_minutes": Limit(5, 1, 240, "minutes"),
    "fax_ring_seconds": Limit(60, 10, 180, "seconds"),
    "fax_max_pages": Limit(fax_documents.MAX_PAGES, 1, 200, "pages in one fax"),
    "fax_max_megabytes": Limit(10, 1, 50, "megabytes per file"),
    "fax_use_ecm": Limit(1, 0, 1, "1: error correction on, 0: off"),
}
CHOICES = {"fax_resolution": ("fine", "standard"), "fax_paper": ("A4", "Letter")}
TEXTS = {"fax_header": "printed atop each page sent; empty: the domain's name",
         "fax_ident": "the station id sent; empty: the sender's outbound caller id"}
SETTING_KEYS = (*LIMITS, *CHOICES, *TEXTS)
# What the modem prints atop each page (spandsp's font is ASCII), and the station id T.30
# sends (20 characters: digits, + and spaces); both inside the originate's quotes (FAX_TEXT).
HEADER = re.compile(r"^[ !#%&(-+\--\[\]-z|~]{0,50}\Z")
IDENT = re.compile(r"^[0-9+ ]{0,20}\Z")

# What a fax's result says (result_text: the log, the CLI, emails), in English; the portal
# reads each back by its form and shows it in the page's language (portal/fax/results).
RESULTS = {
    "queued_again": "queued again",
    "canceled": "canceled by {who}",
    "no_route": "no outbound route to this number",
    "not_allowed": "the sender may no longer call outside numbers",
    "disabled": "the sender's extension is disabled",
    "not_placed": "cannot be sent: {why}",
    "lost": "the call ended without a result (lost)",
    "busy": "busy ({cause})",
    "no_answer": "not answered ({cause})",
    "cannot_call": "cannot be called ({cause})",
    "not_reached": "the call failed ({cause})",
    "transmission": "{text} (code {code})",
    "reception_failed": "reception failed",
    "ok": "OK",
    "delivered": "delivered to fax number {number}",
}
# A try's outcome, and what comes of the fax: another try, or the end after the last.
AGAIN = "{detail}; try {number} at {time}"
LAST = {1: "{detail} after 1 try", "more": "{detail} after {count} tries"}

# Hang-up causes of a call that never reached a fax machine. A busy line or one nobody
# answered is tried again; a number that cannot be called fails at once; any other end
# without a result waits for the call's record (it may carry the result).
BUSY = {"USER_BUSY", "NORMAL_CIRCUIT_CONGESTION", "SWITCH_CONGESTION"}
NO_ANSWER = {"NO_ANSWER", "NO_USER_RESPONSE", "ALLOTTED_TIMEOUT", "RECOVERY_ON_TIMER_EXPIRE",
             "ORIGINATOR_CANCEL", "PROGRESS_TIMEOUT"}
PERMANENT = {"UNALLOCATED_NUMBER", "NO_ROUTE_DESTINATION", "INVALID_NUMBER_FORMAT",
             "NUMBER_CHANGED", "INCOMPATIBLE_DESTINATION", "OUTGOING_CALL_BARRED",
             "CALL_REJECTED", "BEARERCAPABILITY_NOTAUTH", "NO_ROUTE_TRANSIT_NET",
             "MANDATORY_IE_MISSING", "INVALID_GATEWAY", "GATEWAY_DOWN"}


# Settings.

@dataclasses.dataclass(frozen=True)
class FaxSettings:
    retries: int = LIMITS["fax_retries"].default
    retry: datetime.timedelta = datetime.timedelta(minutes=LIMITS["fax_retry_minutes"].default)
    ring_seconds: int = LIMITS["fax_ring_seconds"].default
    max_pages: int = LIMITS["fax_max_pages"].default
    max_bytes: int = LIMITS["fax_max_megabytes"].default * 1024 * 1024
    use_ecm: bool = True
    resolution: str = "fine"
    paper: str = "A4"
    header: str = ""
    ident: str = ""

    @classmethod
    def from_values(cls, values, domain_id=None):
        numbers = setting_limits.numbers_of(values, LIMITS, domain_id, "fax")
        chosen = {key: values.get(key) if values.get(key) in allowed else allowed[0]
                  for key, allowed in CHOICES.items()}
        return cls(retries=numbers["fax_retries"],
                   retry=datetime.timedelta(minutes=numbers["fax_retry_minutes"]),
                   ring_seconds=numbers["fax_ring_seconds"], max_pages=numbers["fax_max_pages"],
                   max_bytes=numbers["fax_max_megabytes"] * 1024 * 1024,
                   use_ecm=numbers["fax_use_ecm"] == 1, resolution=chosen["fax_resolution"],
                   paper=chosen["fax_paper"], header=values.get("fax_header", ""),
                   ident=values.get("fax_ident", ""))


def settings_of(domain_ids):
    """``{domain id: FaxSettings}`` (one query)."""
    return setting_limits.settings_by_domain(domain_ids, SETTING_KEYS, FaxSettings.from_values)


def settings(domain):
    domain_id = getattr(domain, "id", domain)
    return settings_of([domain_id])[domain_id]


def setting_values(domain):
    """``[(key, value in force, what it is)]`` of every fax setting, for ops."""
    found = settings(domain)
    shown = {"fax_retries": found.retries,
             "fax_retry_minutes": int(found.retry.total_seconds() // 60),
             "fax_ring_seconds": found.ring_seconds, "fax_max_pages": found.max_pages,
             "fax_max_megabytes": found.max_bytes // (1024 * 1024),
             "fax_use_ecm": int(found.use_ecm), "fax_resolution": found.resolution,
             "fax_paper": found.paper, "fax_header": found.header, "fax_ident": found.ident}
    what = {**{key: limit.unit for key, limit in LIMITS.items()},
            **{key: " or ".join(allowed) for key, allowed in CHOICES.items()}, **TEXTS}
    return [(key, shown[key], what[key]) for key in SETTING_KEYS]


def set_setting(domain, key, value):
    """Store one fax setting after checking it; "" puts the default back."""
    value = value.strip()
    if key not in SETTING_KEYS:
        raise ValidationError(f"unknown fax setting {key!r} (one of {', '.join(SETTING_KEYS)})")
    if key in LIMITS:
        setting_limits.check_number(key, value, LIMITS[key])
    elif key in CHOICES and value and value not in CHOICES[key]:
        raise ValidationError(f"{key} is one of {', '.join(CHOICES[key])}")
    elif key == "fax_header" and not HEADER.match(value):
        raise ValidationError("fax_header is at most 50 characters of plain ASCII, without "
                              "quotes, commas, braces, backslashes or $")
    elif key == "fax_ident" and not IDENT.match(value):
        raise ValidationError("fax_ident is at most 20 digits, spaces and +")
    setting_limits.store(domain, key, value)


def set_settings(domain, changes):
    """Store several fax settings (``{key: value}``), each checked as set_setting does:
    all of them, or none (the first refusal is raised, nothing stored)."""
    with database.atomic():
        for key, value in changes.items():
            set_setting(domain, key, value)


def default_header(domain_name):
    """The header of a domain that set none: its name, in what a header may hold."""
    return "".join(c for c in domain_name if HEADER.match(c))[:50]


# Sending: the queue.

@dataclasses.dataclass(frozen=True)
class Cover:
    """A cover page's words (the sender and the page count are filled in)."""

    recipient: str = ""
    subject: str = ""
    note: str = ""


def check_destination(extension, destination):
    """Where a fax from ``extension`` to ``destination`` goes: ``(route, None)`` for an
    outbound prefix and a number (route: ``(gateway, external number)``), or ``(None,
    fax number)`` for one of the domain's own fax numbers (delivered without a call);
    ValidationError if it may not be sent there."""
    destination = (destination or "").strip()
    if not extension.enabled:
        raise ValidationError("extension %(number)s is disabled: it sends no faxes",
                              {"number": extension.number})
    if not destination:
        raise ValidationError("enter the fax number to send to")
    own = fax_numbers.owner_of(extension.domain.name, destination)
    if own is not None:
        return None, own
    if not DESTINATION.match(destination):
        raise ValidationError("%(number)s is not a fax number: dial it as you would from "
                              "your phone (outbound prefix first)", {"number": destination})
    route = domains.trunk(extension.domain.name, destination)
    if route is None:
        raise ValidationError("%(number)s is not an outside number: dial it with an outbound "
                              "prefix first", {"number": destination})
    if not extension.outbound_allowed:
        raise ValidationError("extension %(number)s may not call outside numbers",
                              {"number": extension.number})
    return route, None


def submit(extension, destination, uploads, media_folder, cover=None, now=None):
    """Queue a fax from ``extension`` to ``destination`` of ``uploads``
    (fax_documents.Upload, in order), with a cover page when ``cover`` (a Cover) is given.
    Returns the FaxJob; ValidationError (nothing written) when anything is wrong."""
    now = now or local_now()
    destination = (destination or "").strip()
    _route, own = check_destination(extension, destination)
    _check_room(extension)
    rules = settings(extension.domain_id)
    if cover is not None:  # before the files are drawn: a refusal is said at once
        fax_documents.check_cover(cover.recipient, cover.subject, cover.note)
    page = None if cover is None else _cover_maker(extension, destination, cover, now, rules)
    # In a process of its own: on the loop, a long fax would stall the loop that answers
    # the switch for a second, and Ghostscript cannot be started from a pool thread (the
    # uploads' decoders run apart from serve, too).
    document = run_in_child(
        "switchctl.services.fax_documents", "fax_document", list(uploads),
        resolution=rules.resolution, paper=rules.paper, max_pages=rules.max_pages,
        max_bytes=rules.max_bytes, cover=page)
    name = uuid_module.uuid4().hex
    tiff, pdf = SENT_FOLDER / f"{name}.tif", SENT_FOLDER / f"{name}.pdf"
    written = []
    try:
        make_folders(Path(media_folder), SENT_FOLDER)  # the switch's group reads them
        for relative, data in ((tiff, document.tiff), (pdf, document.pdf)):
            _write(Path(media_folder) / relative, data)
            written.append(Path(media_folder) / relative)
        if own is not None:
            return _delivered(extension, own, document, tiff, pdf, Path(media_folder), now,
                              written)
        return FaxJob.create(domain=extension.domain_id, extension=extension,
                             destination=destination, status="queued", pages=document.pages,
                             original_path="", tiff_path=str(tiff), pdf_path=str(pdf),
                             created=now, next_try=now, direction="sent")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise


def _delivered(extension, own, document, tiff, pdf, media_folder, now, written):
    """A fax to one of the domain's own fax numbers needs no call (a fax machine on a line
    of ours dials it; the portal and the CLI deliver it): the sender's fax reads sent, and
    the number's owner gets it as received, in its log and by email, in one transaction.
    The received files are copies: either log's PDF stays when the other goes."""
    name = uuid_module.uuid4().hex
    copies = RECEIVED_FOLDER / f"{name}.tif", RECEIVED_FOLDER / f"{name}.pdf"
    make_folders(media_folder, RECEIVED_FOLDER)
    for relative, data in zip(copies, (document.tiff, document.pdf)):
        _write(media_folder / relative, data)
        written.append(media_folder / relative)
    owner = Extension.get_by_id(own.extension_id)
    text = RESULTS["delivered"].format(number=own.number)
    common = dict(domain=extension.domain_id, pages=document.pages,
                  pages_transferred=document.pages, original_path="", created=now,
                  finished=now, result_text=text)
    with database.atomic():
        sent = FaxJob.create(extension=extension, destination=own.number, status="sent",
                             tiff_path=str(tiff), pdf_path=str(pdf), direction="sent",
                             **common)
        received = FaxJob.create(extension=owner, destination="", status="received",
                                 tiff_path=str(copies[0]), pdf_path=str(copies[1]),
                                 direction="received", fax_number=own.number,
                                 remote_number=extension.number, **common)
        voicemail_email.queue_fax_email(received, clock=lambda: now)
    log.info("fax %s: delivered from %s to fax number %s (extension %s), %s pages", sent.id,
             extension.number, own.number, owner.number, document.pages)
    return sent


def _cover_maker(extension, destination, cover, now, rules):
    """What fax_document calls with the count of pages to draw ``cover`` (picklable); its
    time is the sender's domain's wall clock."""
    wall = call_records.local_time(now, domains.time_zone(extension.domain_id))
    return functools.partial(
        fax_documents.cover_page, sender=f"{extension.name or extension.number} "
        f"({extension.number})", recipient=cover.recipient or destination,
        subject=cover.subject, note=cover.note, when=f"{wall:%Y-%m-%d %H:%M}", paper=rules.paper)


def _write(path, data):
    """Write ``data`` whole, or not at all (a temporary file renamed into place)."""
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(data)
    os.chmod(partial, FILE_MODE)  # whatever the umask: the switch (the group) reads it
    os.replace(partial, path)


def _check_room(extension):
    """ValidationError when ``extension`` has MAX_PENDING faxes waiting already."""
    if FaxJob.select().where(FaxJob.extension == extension,
                             FaxJob.status.in_(OPEN)).count() >= MAX_PENDING:
        raise ValidationError("extension %(number)s has %(count)s faxes waiting to be sent "
                              "already", {"number": extension.number, "count": MAX_PENDING})


RESENDABLE = ("failed", "canceled")


def resend(extension, job_id, now=None):
    """Queue again one of ``extension``'s failed (or canceled) faxes (same pages, same
    number, its tries counted afresh); ValidationError when it has no such fax by that id."""
    now = now or local_now()
    job = FaxJob.get_or_none(FaxJob.id == job_id, FaxJob.extension == extension,
                             FaxJob.direction == "sent")
    if job is None or job.status not in RESENDABLE:
        raise ValidationError("fax %(id)s of extension %(number)s is not a failed or canceled "
                              "fax", {"id": job_id, "number": extension.number})
    check_destination(extension, job.destination)
    _check_room(extension)
    won = (FaxJob.update(status="queued", next_try=now, attempts=0, finished=None,
                         result_text=RESULTS["queued_again"], result_code=None)
           .where(FaxJob.id == job.id, FaxJob.status == job.status).execute())
    if won != 1:
        raise ValidationError("fax %(id)s of extension %(number)s is not a failed or canceled "
                              "fax", {"id": job_id, "number": extension.number})
    return FaxJob.get_by_id(job.id)


def cancel(extension, job_id, now=None):
    """Take one of ``extension``'s queued faxes out of the queue before its next try: it
    reads canceled (Resend queues it again). ValidationError when it is not waiting: a fax
    whose call is out (sending) is sent or fails as the call goes."""
    now = now or local_now()
    who = extension.number
    won = (FaxJob.update(status="canceled", next_try=None, finished=now,
                         result_text=RESULTS["canceled"].format(who=who))
           .where(FaxJob.id == job_id, FaxJob.extension == extension,
                  FaxJob.direction == "sent", FaxJob.status == "queued").execute())
    if won != 1:
        raise ValidationError("fax %(id)s of extension %(number)s is not waiting to be sent",
                              {"id": job_id, "number": extension.number})
    log.info("fax %s: canceled by %s", job_id, who)
    return FaxJob.get_by_id(job_id)


@dataclasses.dataclass(frozen=True)
class Due:
    id: int
    status: str
    next_try: datetime.datetime
    attempts: int
    call_uuid: str
    destination: str
    pages: int
    tiff_path: str
    domain_id: int
    domain_name: str
    extension_id: int


@dataclasses.dataclass(frozen=True)
class Claimed:
    """A call this instance won and must place now (or give back with ``release``)."""

    id: int
    uuid: str  # the try's: the channel's origination_uuid
    gateway: str
    number: str  # as the gateway takes it
    tiff_path: str  # relative to the media folder
    header: str
    ident: str
    use_ecm: bool
    caller_id: str
    ring_seconds: int
    was_due: datetime.datetime


def due(now, limit=500):
    """Rows to act on now, soonest first: queued ones due, sending ones whose claim ran out."""
    rows = (FaxJob.select(FaxJob.id, FaxJob.status, FaxJob.next_try, FaxJob.attempts,
                          FaxJob.call_uuid, FaxJob.destination, FaxJob.pages, FaxJob.tiff_path,
                          FaxJob.domain, Domain.name, FaxJob.extension)
            .join(Domain)
            .where(FaxJob.status.in_(OPEN), FaxJob.next_try <= now)
            .order_by(FaxJob.next_try, FaxJob.id).limit(limit).tuples())
    return [Due(*row) for row in rows]


def claim(rows, now, instance):
    """Claim each queued row of ``rows`` this instance wins (sending, an attempt recorded),
    in one transaction, as many as MAX_CALLS leaves room for; a row whose route or
    permission is gone fails. Returns the Claimed calls to place; the sending rows among
    ``rows`` are the watchdog's (``expired``)."""
    queued = [row for row in rows if row.status == "queued"]
    found = settings_of({row.domain_id for row in queued})
    senders = {extension.id: extension for extension in Extension.select().where(
        Extension.id.in_([row.extension_id for row in queued]))}
    claimed = []
    with database.atomic():  # counted and claimed by one instance at a time
        one_at_a_time(CLAIM_LOCK)
        room = MAX_CALLS - FaxJob.select().where(FaxJob.status == "sending").count()
        for row in queued[:max(0, room)]:
            rules, sender = found[row.domain_id], senders.get(row.extension_id)
            route = domains.trunk(row.domain_name, row.destination)
            why = _cannot_send(sender, route)
            if why:
                _refuse(row.id, now, why)
                continue
            call_uuid = str(uuid_module.uuid4())
            lease = now + datetime.timedelta(
                seconds=rules.ring_seconds + PAGE_SECONDS * max(1, row.pages)) + CALL_MARGIN
            won = (FaxJob.update(status="sending", claimed_by=instance[:64], claimed_until=lease,
                                 next_try=lease, call_uuid=call_uuid,
                                 attempts=FaxJob.attempts + 1)
                   .where(FaxJob.id == row.id, FaxJob.status == "queued",
                          FaxJob.next_try <= now).execute())
            if won != 1:
                continue
            FaxAttempt.create(job=row.id, started=now, uuid=call_uuid, result="calling")
            claimed.append(Claimed(
                row.id, call_uuid, route[0], route[1], row.tiff_path,
                header=rules.header or default_header(row.domain_name), ident=rules.ident or
                _caller_id(sender), use_ecm=rules.use_ecm, caller_id=_caller_id(sender),
                ring_seconds=rules.ring_seconds, was_due=row.next_try))
    return claimed


def _cannot_send(sender, route):
    """Why a queued fax can no longer go (its sender or route changed since), or None."""
    if route is None:
        return RESULTS["no_route"]
    if sender is None or not sender.outbound_allowed:
        return RESULTS["not_allowed"]
    if not sender.enabled:
        return RESULTS["disabled"]
    return None


def _caller_id(extension):
    """The number a fax from ``extension`` shows: its outbound caller id (digits only)."""
    digits = "".join(c for c in (extension.outbound_caller_id or "") if c.isdigit() or c == "+")
    return digits[:20]


def _refuse(job_id, now, why):
    (FaxJob.update(status="failed", result_text=why[:255], finished=now, claimed_by="",
                   claimed_until=None)
     .where(FaxJob.id == job_id, FaxJob.status == "queued").execute())
    log.warning("fax %s: not sent: %s", job_id, why)


def release(claimed):
    """Give back calls that could not be placed (the switch was away): due again as before,
    their attempt forgotten."""
    with database.atomic():
        for call in claimed:
            (FaxJob.update(status="queued", claimed_by="", claimed_until=None, call_uuid="",
                           next_try=call.was_due, attempts=FaxJob.attempts - 1)
             .where(FaxJob.id == call.id, FaxJob.status == "sending",
                    FaxJob.call_uuid == call.uuid).execute())
            FaxAttempt.delete().where(FaxAttempt.job == call.id,
                                      FaxAttempt.uuid == call.uuid).execute()


def cannot_place(call, now, why):
    """A claimed call whose command cannot be made (a value the switch would not take):
    that fax fails with the reason, at once (trying again would fail the same way)."""
    return _ended(call.id, call.uuid, now, "failed", RESULTS["not_placed"].format(why=why),
                  retry=False)


def expired(rows):
    """The sending rows of ``rows`` (from ``due``): the watchdog asks the switch of each."""
    return [row for row in rows if row.status == "sending"]


def still_up(row, now):
    """The switch says the call of ``row`` (an expired sending row) is up: claim extended."""
    until = now + STILL_UP
    (FaxJob.update(claimed_until=until, next_try=until)
     .where(FaxJob.id == row.id, FaxJob.status == "sending", FaxJob.call_uuid == row.call_uuid)
     .execute())


def gone(row, now):
    """The switch has no call for ``row`` (an expired sending row): the first time, its
    record is given CDR_GRACE to come; after that the try is lost and the fax tried again
    (or failed after its last try). Returns True when the try was given up."""
    attempt = FaxAttempt.get_or_none(FaxAttempt.job == row.id, FaxAttempt.uuid == row.call_uuid)
    if attempt is not None and attempt.result == "calling":
        until = now + CDR_GRACE
        with database.atomic():
            attempt.result, attempt.detail = "gone", "the call ended; waiting for its record"
            attempt.save()
            (FaxJob.update(claimed_until=until, next_try=until)
             .where(FaxJob.id == row.id, FaxJob.status == "sending",
                    FaxJob.call_uuid == row.call_uuid).execute())
        return False
    _ended(row.id, row.call_uuid, now, "lost", RESULTS["lost"], retry=True)
    return True


# What the switch reports.

def report(found, media_folder, now=None):
    """Take one FaxReport (an event's or a CDR's) once: a try of a sent fax ends, or a
    received fax is logged. Returns the FaxJob it changed or made, or None (a repeat, a
    report of a try that is over, a fax number nobody owns any more)."""
    now = now or local_now()
    if found.kind == fax_results.RECEIVED:
        return _received(found, Path(media_folder), now)
    if found.job_id is None:
        return None
    if found.kind == fax_results.SENT:
        if found.success:
            return _sent(found, now)
        detail = RESULTS["transmission"].format(text=found.text or "transmission failed",
                                                code=found.code)
        return _ended(found.job_id, found.uuid, now, "failed", detail, retry=True, found=found)
    cause = found.hangup_cause
    if cause in BUSY:
        return _ended(found.job_id, found.uuid, now, "busy",
                      RESULTS["busy"].format(cause=cause), retry=True)
    if cause in NO_ANSWER:
        return _ended(found.job_id, found.uuid, now, "no_answer",
                      RESULTS["no_answer"].format(cause=cause), retry=True)
    if cause in PERMANENT:
        return _ended(found.job_id, found.uuid, now, "failed",
                      RESULTS["cannot_call"].format(cause=cause), retry=False)
    if found.kind == fax_results.NOT_PLACED:  # no result will come: tried again
        return _ended(found.job_id, found.uuid, now, "failed",
                      RESULTS["not_reached"].format(cause=cause), retry=True)
    return None  # ended some other way: its result (event or record) decides, or the watchdog


def _attempt_open(job_id, call_uuid):
    return (FaxAttempt.select().where(FaxAttempt.job == job_id, FaxAttempt.uuid == call_uuid,
                                      FaxAttempt.result.in_(("calling", "gone"))).first())


def _sent(found, now):
    with database.atomic():
        attempt = _attempt_open(found.job_id, found.uuid)
        if attempt is None:
            return None
        won = (FaxJob.update(status="sent", finished=now, claimed_by="", claimed_until=None,
                             next_try=None, **_results(found),
                             result_text=found.text or RESULTS["ok"])
               .where(FaxJob.id == found.job_id, FaxJob.status == "sending",
                      FaxJob.call_uuid == found.uuid).execute())
        if won != 1:
            return None
        _close_attempt(attempt, "sent", f"{found.pages_transferred} pages sent",
                       found.pages_transferred)
    job = FaxJob.get_by_id(found.job_id)
    log.info("fax %s: sent to %s, %s pages (%s)", job.id, job.destination,
             found.pages_transferred, found.remote_station or "no station id")
    return job


def _results(found):
    return {"pages_transferred": found.pages_transferred, "result_code": found.code,
            "remote_station": found.remote_station}


def _ended(job_id, call_uuid, now, result, detail, retry, found=None):
    """A try that sent nothing ends (``found``: the switch's failed result, if it gave
    one): the job is tried again while tries remain (``retry``), else failed. Returns the
    FaxJob, or None when that try was over already."""
    with database.atomic():
        attempt = _attempt_open(job_id, call_uuid)
        job = FaxJob.get_or_none(FaxJob.id == job_id)
        if attempt is None or job is None or job.status != "sending" or \
                job.call_uuid != call_uuid:
            return None
        rules = settings(job.domain_id)
        changes = {"claimed_by": "", "claimed_until": None}
        if found is not None:
            changes.update(_results(found))
        if retry and job.attempts <= rules.retries:
            later = now + rules.retry
            shown = call_records.local_time(later, domains.time_zone(job.domain_id))
            text = AGAIN.format(detail=detail, number=job.attempts + 1, time=f"{shown:%H:%M}")
            changes.update(status="queued", next_try=later, result_text=text[:255])
        else:
            last = LAST[1] if job.attempts == 1 else LAST["more"]
            text = last.format(detail=detail, count=job.attempts) if retry else detail
            changes.update(status="failed", next_try=None, finished=now, result_text=text[:255])
        won = (FaxJob.update(**changes)
               .where(FaxJob.id == job_id, FaxJob.status == "sending",
                      FaxJob.call_uuid == call_uuid).execute())
        if won != 1:  # another instance decided this try meanwhile
            return None
        _close_attempt(attempt, result, detail, found.pages_transferred if found else 0)
    job = FaxJob.get_by_id(job_id)
    level = logging.WARNING if job.status == "failed" else logging.INFO
    log.log(level, "fax %s to %s: %s", job.id, job.destination, job.result_text)
    return job


def _close_attempt(attempt, result, detail, pages):
    (FaxAttempt.update(result=result, detail=detail[:255], pages_transferred=pages)
     .where(FaxAttempt.id == attempt.id).execute())


# Receiving.

_RECEIVING = {}  # call uuid -> AsyncResult: the received faxes this process is logging now


def _received(found, media_folder, now):
    """The event and the call record both tell of a received fax, often at the same
    moment: the first logs it (one PDF made, one email); a second told meanwhile waits for
    the first and, should it have failed (a full disk, the database away), logs it itself
    (else the record would be answered as stored and the fax lost). The unique index on
    received calls stops a repeat another process logs meanwhile."""
    first = _RECEIVING.get(found.uuid)
    if first is not None and first.get() is not _FIRST_FAILED:
        return None  # the first one logged it (or found it needs no logging)
    if _logged(found.uuid):
        return None
    done = _RECEIVING[found.uuid] = gevent.event.AsyncResult()
    try:
        job = _log_received_once(found, media_folder, now)
    except BaseException:  # an error, or its greenlet killed: a waiter takes over
        done.set(_FIRST_FAILED)
        raise
    finally:
        _RECEIVING.pop(found.uuid, None)
    done.set(job)
    return job


_FIRST_FAILED = object()


def _logged(call_uuid):
    return FaxJob.select().where(FaxJob.call_uuid == call_uuid,
                                 FaxJob.direction == "received").exists()


def _log_received_once(found, media_folder, now):
    owner = fax_numbers.owner_of(found.domain, found.fax_number)
    if owner is None:
        log.warning("fax received on %s@%s: the number is no longer a fax number; kept as "
                    "%s only", found.fax_number, found.domain, found.file or "(no file)")
        return None
    tiff = RECEIVED_FOLDER / f"{_safe(found.uuid)}.tif"
    pdf, pages = _received_pdf(media_folder, tiff)
    ok = found.success and pages > 0
    extension = Extension.get_by_id(owner.extension_id)
    try:
        with database.atomic():
            job = _log_received(found, extension, tiff, pdf, pages, ok, now)
            emailed = voicemail_email.queue_fax_email(job, clock=lambda: now)
    except peewee.IntegrityError:  # logged by another process while the PDF was made
        return None
    log.log(logging.INFO if ok else logging.WARNING,
            "fax received on %s for extension %s from %s: %s pages, %s%s", found.fax_number,
            extension.number, found.remote_number or found.remote_station or "unknown",
            found.pages_transferred, job.result_text,
            f"; emailed to {emailed.recipient}" if emailed else "")
    return job


def _log_received(found, extension, tiff, pdf, pages, ok, now):
    return FaxJob.create(
        domain=extension.domain_id, extension=extension, destination="", direction="received",
        status="received" if ok else "failed", pages=pages or found.pages_transferred,
        original_path="", tiff_path=str(tiff) if pages else "", pdf_path=pdf,
        result_text=(found.text or RESULTS["ok" if ok else "reception_failed"])[:255],
        created=now, finished=now, remote_number=found.remote_number,
        fax_number=found.fax_number, call_uuid=found.uuid, **_results(found))


def _safe(call_uuid):
    return "".join(c for c in call_uuid if c.isalnum() or c == "-")[:64]


def _received_pdf(media_folder, tiff):
    """``(PDF path relative to the media folder, pages)`` of a received TIFF; ("", 0) when
    nothing was received (no file, or no page in it)."""
    source = media_folder / tiff
    try:
        data = source.read_bytes()
    except OSError:
        return "", 0
    try:  # off the loop: it also answers the switch
        pdf, pages = run_in_pool(fax_documents.received_pdf, data)
    except ValueError as exc:
        log.warning("fax %s: %s", source, exc)
        return "", 0
    relative = tiff.with_suffix(".pdf")
    _write(media_folder / relative, pdf)
    return str(relative), pages


# The log.

@dataclasses.dataclass(frozen=True)
class Listed:
    """One fax as the log shows it."""

    id: int
    extension: str
    direction: str
    status: str
    when: datetime.datetime
    remote: str  # the number sent to, or the caller's number (else its station id)
    pages: int
    pages_transferred: int
    attempts: int
    result: str
    has_pdf: bool

    def __str__(self):
        pages = f"{self.pages_transferred}/{self.pages} pages"
        return (f"{self.id}\t{self.extension}\t{self.direction}\t{self.when:%Y-%m-%d %H:%M}\t"
                f"{self.remote or '-'}\t{self.status}\t{pages}\t{self.result}")


LOG_PAGE = 50


def log_of(domain, extension=None, start=None, end=None, direction=None, zone=None, page=1,
           per_page=LOG_PAGE):
    """``(faxes, has_next)``: page ``page`` of the faxes of ``domain`` (or one extension),
    newest first; ``start``/``end``: days (inclusive) in ``zone`` (None: this machine's),
    ``direction``: sent or received."""
    query = (FaxJob.select(FaxJob, Extension.number).join(Extension)
             .where(FaxJob.domain == domain)
             .order_by(FaxJob.created.desc(), FaxJob.id.desc())
             .limit(per_page + 1).offset((page - 1) * per_page))
    if extension is not None:
        query = query.where(FaxJob.extension == extension)
    first = start and call_records.stored_midnight(start, zone)
    if first:
        query = query.where(FaxJob.created >= first)
    after_last = end and call_records.stored_midnight(end, zone, days=1)
    if after_last:
        query = query.where(FaxJob.created < after_last)
    if direction:
        query = query.where(FaxJob.direction == direction)
    rows = [Listed(row.id, row.extension.number, row.direction, row.status,
                   call_records.local_time(row.created, zone),
                   row.destination or row.remote_number or row.remote_station, row.pages,
                   row.pages_transferred, row.attempts, row.result_text, bool(row.pdf_path))
            for row in query]
    return rows[:per_page], len(rows) > per_page


def job_of(domain, job_id, extension=None):
    """One fax of ``domain`` (of ``extension`` when given), or None."""
    query = FaxJob.select().where(FaxJob.id == job_id, FaxJob.domain == domain)
    if extension is not None:
        query = query.where(FaxJob.extension == extension)
    return query.first()


def attempts_of(job_id):
    return list(FaxAttempt.select().where(FaxAttempt.job == job_id)
                .order_by(FaxAttempt.started, FaxAttempt.id))


def pdf_file(job, media_folder):
    """The PDF of ``job`` on disk (an absolute path, whatever the working folder), or None:
    nothing received, the file gone, or a path that leads out of the media folder."""
    if not job.pdf_path:
        return None
    folder = Path(media_folder).resolve()
    path = (folder / job.pdf_path).resolve()
    return path if path.is_relative_to(folder) and path.is_file() else None
