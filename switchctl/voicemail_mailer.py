"""Voicemail emails, and received faxes' (the PDF attached), out of the outbox
(services.voicemail_email), through the SMTP server
``smtp_url`` names: ``smtp://`` plain, ``smtp+starttls://`` STARTTLS, ``smtps://`` TLS
from the start, each with an optional ``user:password@`` (percent-decoded) for AUTH.

``Mailer.run`` is a greenlet of ``switchctl serve``: every TICK_SECONDS it claims the
emails that are due and sends each with the WAV attached. The SMTP connection is gevent's
(sockets and TLS), so a slow or silent server never holds up the loop, patched or not.
A server that cannot be reached, or an outage of the database, is logged once when it
starts and once when it ends; the emails wait and are tried again with back-off. TLS
certificates are checked against the system's authorities (``SSL_CERT_FILE`` names another
bundle, e.g. a private authority's).
"""

import dataclasses
import logging
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from urllib.parse import unquote, urlsplit

import gevent
import gevent.socket
import gevent.ssl
from switchctl.config import SMTP_PORTS
from switchctl.db import database_guard
from switchctl.logs import one_line
from switchctl.models import Domain, Extension, FaxJob, VoicemailMessage
from switchctl.models.base import now as local_now
from switchctl.pool import run_in_pool
from switchctl.services import call_records, voicemail, voicemail_email as outbox
from switchctl.services.domains import time_zone

log = logging.getLogger(__name__)
TICK_SECONDS = 10
SMTP_SECONDS = 30  # the longest one read or write on the SMTP connection may take
SEND_SECONDS = 120  # one email in all: far less than the outbox's claim lease


@dataclasses.dataclass(frozen=True)
class SmtpServer:
    scheme: str
    host: str
    port: int
    user: str = ""
    password: str = dataclasses.field(default="", repr=False)

    @classmethod
    def from_url(cls, url):
        """The server a (checked: config.load) ``smtp_url`` names."""
        parts = urlsplit(url)
        return cls(scheme=parts.scheme, host=parts.hostname,
                   port=parts.port or SMTP_PORTS[parts.scheme],
                   user=unquote(parts.username or ""), password=unquote(parts.password or ""))

    def __str__(self):
        return f"{self.scheme}://{self.host}:{self.port}"


class Unsendable(Exception):
    """This message's email can never be built (its WAV unreadable, an address unusable)."""


class SendFailure(Exception):
    """A try that did not send: ``words`` say why (the server's, where it answered);
    ``permanent``: the server refused this email for good (5xx); ``outage``: the server
    itself is unusable now (unreachable, TLS, login), not this email."""

    def __init__(self, words, permanent=False, outage=False):
        super().__init__(words, permanent, outage)
        self.words, self.permanent, self.outage = words, permanent, outage

    def __str__(self):
        return self.words


def tls_context():
    """A TLS context of gevent's that checks the server's certificate and name."""
    context = gevent.ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_default_certs()
    return context


class _Cooperative:
    """smtplib's connection over gevent's socket (its TLS comes from the context)."""

    def _get_socket(self, host, port, timeout):
        return gevent.socket.create_connection((host, port), timeout, self.source_address)


class CooperativeSMTP(_Cooperative, smtplib.SMTP):
    pass


class CooperativeSMTP_SSL(_Cooperative, smtplib.SMTP_SSL):
    def _get_socket(self, host, port, timeout):
        plain = super()._get_socket(host, port, timeout)
        return self.context.wrap_socket(plain, server_hostname=self._host)


def connect(server, context, timeout=SMTP_SECONDS):
    """An SMTP session with ``server``, TLS and login done as its URL says."""
    hostname = socket.gethostname()  # smtplib's default would look the name up in DNS
    if server.scheme == "smtps":
        smtp = CooperativeSMTP_SSL(server.host, server.port, local_hostname=hostname,
                                   timeout=timeout, context=context)
    else:
        smtp = CooperativeSMTP(server.host, server.port, local_hostname=hostname,
                               timeout=timeout)
    try:
        if server.scheme == "smtp+starttls":
            smtp.starttls(context=context)
        if server.user:
            smtp.login(server.user, server.password)
    except BaseException:
        smtp.close()
        raise
    return smtp


def deliver(server, content, context, timeout=SMTP_SECONDS):
    """Send the EmailMessage ``content``; a SendFailure says why it was not sent."""
    try:
        smtp = connect(server, context, timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailure(f"{server}: {_words(exc)}", outage=True) from None
    try:
        smtp.send_message(content)
    except smtplib.SMTPRecipientsRefused as exc:
        code, words = next(iter(exc.recipients.values()))
        raise _refused(code, words) from None
    except (smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as exc:
        raise _refused(exc.smtp_code, exc.smtp_error) from None
    except smtplib.SMTPNotSupportedError as exc:
        raise SendFailure(_words(exc), permanent=True) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailure(f"{server}: {_words(exc)}", outage=True) from None
    finally:
        _close(smtp)


def _refused(code, words):
    return SendFailure(f"{code} {_text(words)}", permanent=500 <= code < 600)


def _close(smtp):
    try:
        smtp.quit()
    except (OSError, smtplib.SMTPException):
        smtp.close()


def _text(words):
    return words.decode("utf-8", "replace") if isinstance(words, bytes) else str(words)


def _words(exc):
    """What an SMTP or socket error says, without Python's wrapping."""
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"{exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS: certificate verify failed ({exc.verify_message})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS: {exc.reason or exc}"
    if isinstance(exc, socket.timeout):
        return "no answer in time"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


def build_email(message, recipient, sender, media_folder, message_id, zone=None):
    """The EmailMessage telling ``recipient`` of ``message`` (mailbox, domain loaded), its
    WAV attached, its time on ``zone``'s clock (the domain's; None: as stored); Unsendable
    when the WAV cannot be read or an address cannot be used."""
    wav = _attachment(Path(media_folder) / message.path, "the recording")
    content = _envelope(recipient, sender, message_id,
                        f"Voicemail from {_caller(message)} for {message.mailbox.number}")
    received = call_records.local_time(message.received, zone)
    content.set_content(_body(message, received))
    content.add_attachment(wav, maintype="audio", subtype="wav",
                           filename=f"voicemail-{received:%Y%m%d-%H%M%S}.wav")
    return content


def _attachment(path, what):
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Unsendable(f"cannot read {what} {path}: {exc.strerror or exc}") from None


def _envelope(recipient, sender, message_id, subject):
    content = EmailMessage()
    try:
        content["To"] = recipient
        content["From"] = sender
    except ValueError as exc:
        raise Unsendable(f"address not usable: {exc}") from None
    content["Subject"] = subject
    content["Date"] = formatdate(localtime=True)
    content["Message-ID"] = message_id
    return content


def _caller(message):
    name = " ".join(message.caller_name.split())
    number = message.caller_number or "an unknown number"
    return f"{name} ({number})" if name and name != number else number


def _body(message, received):
    minutes, seconds = divmod(message.duration, 60)
    mailbox = message.mailbox
    return "\n".join((
        f"{_caller(message)} left you a voicemail message.",
        "",
        f"Mailbox:  {mailbox.number} ({mailbox.name})",
        f"Caller:   {_caller(message)}",
        f"Received: {received:%Y-%m-%d %H:%M:%S}",
        f"Duration: {minutes}:{seconds:02d}",
        "",
        "The recording is attached.",
        "",
    ))


def build_fax_email(job, recipient, sender, media_folder, message_id, zone=None):
    """The EmailMessage sending ``recipient`` the received fax ``job`` (extension loaded)
    as its PDF, its time on ``zone``'s clock; Unsendable when the PDF cannot be read or an
    address cannot be used."""
    pdf = _attachment(Path(media_folder) / job.pdf_path, "the fax")
    received = call_records.local_time(job.created, zone)
    other = job.remote_number or job.remote_station or "an unknown number"
    pages = f"{job.pages} page{'s' * (job.pages != 1)}"
    content = _envelope(recipient, sender, message_id,
                        f"Fax from {other} for {job.extension.number} ({pages})")
    content.set_content("\n".join((
        f"A fax from {other} arrived on {job.fax_number}.", "",
        f"Pages:    {job.pages_transferred} of {job.pages}" if job.pages_transferred !=
        job.pages else f"Pages:    {job.pages}",
        f"Station:  {job.remote_station or '-'}",
        f"Received: {received:%Y-%m-%d %H:%M:%S}",
        f"Result:   {job.result_text}", "", "The fax is attached as a PDF.", "")))
    content.add_attachment(pdf, maintype="application", subtype="pdf",
                           filename=f"fax-{received:%Y%m%d-%H%M%S}.pdf")
    return content


SENT, TRIED, STOP = "sent", "tried", "stop"  # what came of one due email


class Mailer:
    """Sends the outbox's due emails (see the module's text).

    ``mailbox_changed(domain_name, number)`` lights the lamp once a message is deleted after
    its email; ``clock`` gives the time (tests move it); ``context``: the TLS context
    (default ``tls_context()``)."""

    def __init__(self, config, mailbox_changed=None, clock=local_now, context=None):
        self.config = config
        self.server = SmtpServer.from_url(config.smtp_url) if config.smtp_url else None
        self.sender = config.smtp_from or f"switchctl@{config.domain}"
        self.mailbox_changed = mailbox_changed or (lambda domain_name, number: None)
        self.clock = clock
        self.context = context or tls_context()
        self.down = {}  # "database" / "smtp" -> what was logged when it went away
        # email id -> (email, message, time sent): sent while the database could not say so
        self.unrecorded = {}

    def run(self, interval=TICK_SECONDS):
        """Send due emails every ``interval`` seconds, for ever (a greenlet of serve)."""
        if self.server is None:
            log.warning("voicemail emails: %s (smtp_url): they wait in the outbox",
                        outbox.NO_SMTP)
        elif self.server.user and self.server.scheme == "smtp":
            log.warning("voicemail emails: %s has a login over plain smtp://: the password "
                        "crosses the network unencrypted", self.server)
        while True:
            self._tick_surviving()
            gevent.sleep(interval)

    def _tick_surviving(self):
        """A tick; an error nobody foresaw is logged (with its traceback, once for as long
        as it repeats) and the sender goes on."""
        try:
            self.tick()
        except Exception as exc:  # noqa: BLE001 - the greenlet must outlive a bug
            if self.down.get("sender") != repr(exc):
                self.down["sender"] = repr(exc)
                log.exception("voicemail emails: unexpected error; tried again next tick")
            return
        self.down.pop("sender", None)

    def tick(self):
        """Send what is due now; return how many emails were sent."""
        now = self.clock()
        with database_guard() as failed:
            self._record_unrecorded()
            if self.server is None:
                outbox.note_waiting(outbox.NO_SMTP, now)
                return 0
            due = [email.id for email in outbox.due(now)]
        if failed:
            self._went_down("database", failed.error)
            return 0
        self._came_back("database")
        return self._send_all(due, now)

    def _send_all(self, due, now):
        sent = 0
        for email_id in due:
            outcome = self._send(email_id, now)
            if outcome == STOP:
                break
            sent += outcome == SENT
        return sent

    def _send(self, email_id, now):
        with database_guard() as failed:
            email = outbox.claim(email_id, now)
            message = email and (_fax(email.fax_id) if email.fax_id else
                                 _message(email.message_id))
            zone = message and time_zone(_owner(message).domain_id)  # the thread has no database
        if failed:
            self._went_down("database", failed.error)
            return STOP
        if message is None:
            return TRIED  # not due any more, or another sender has it
        try:
            self._deliver(self._build(email, message, zone))
        except Unsendable as exc:
            log.warning("email %s for extension %s failed: %s", email.id,
                        _owner(message).number, exc)
            return self._record(outbox.mark_failed, email, str(exc))
        except SendFailure as exc:
            return self._failed_try(email, exc)
        self._sent(email, message)
        return SENT

    def _build(self, email, message, zone):
        """The email, built in a thread: reading and encoding a long WAV takes a while."""
        if isinstance(message, FaxJob):
            return run_in_pool(build_fax_email, message, email.recipient, self.sender,
                               self.config.media_folder,
                               f"<fax.{email.id}.{message.id}@{self.config.domain}>", zone)
        message_id = f"<voicemail.{email.id}.{message.uid or message.id}@{self.config.domain}>"
        return run_in_pool(build_email, message, email.recipient, self.sender,
                           self.config.media_folder, message_id, zone)

    def _deliver(self, content):
        with gevent.Timeout(SEND_SECONDS, SendFailure(
                f"{self.server}: no end to the exchange in {SEND_SECONDS} s", outage=True)):
            deliver(self.server, content, self.context)
        self._came_back("smtp")

    def _failed_try(self, email, failure):
        if failure.outage:
            self._went_down("smtp", failure.words)
        else:  # the server answered: it is there, this email is the trouble
            self._came_back("smtp")
            log.warning("voicemail email %s to %s: %s", email.id, email.recipient,
                        failure.words)
        outcome = self._record(outbox.mark_retry, email, failure.words, self.clock(),
                               failure.permanent)
        return STOP if failure.outage else outcome

    def _record(self, mark, email, *args):
        """``mark(email, *args)``; a database outage is survived (the claim's lease runs
        out and the email is tried again then)."""
        with database_guard() as failed:
            mark(email, *args)
        if failed:
            self._went_down("database", failed.error)
            return STOP
        return TRIED

    def _sent(self, email, message):
        sent = self.clock()
        with database_guard() as failed:
            outbox.mark_sent(email, sent)
        if failed:
            self.unrecorded[email.id] = (email, message, sent)
            self._went_down("database", failed.error)
            return
        log.info("voicemail email %s sent to %s", email.id, email.recipient)
        self._after_sent(message)

    def _after_sent(self, message):
        if isinstance(message, VoicemailMessage) and message.mailbox.voicemail_delete_after_email:
            self._delete(message)

    def _record_unrecorded(self):
        """Say the emails sent while the database was away are sent (before anything else:
        their claims' leases must not run out first)."""
        for email_id, (email, message, sent) in list(self.unrecorded.items()):
            outbox.mark_sent(email, sent)
            del self.unrecorded[email_id]
            self._after_sent(message)

    def _delete(self, message):
        """The message's row and WAV, gone once its email is sent; the lamp follows."""
        domain_name, number = message.domain.name, message.mailbox.number
        with database_guard() as failed:
            try:
                deleted = voicemail.delete_message(
                    self.config.media_folder, voicemail.mailbox(domain_name, number),
                    message.uid)
            except OSError as exc:
                log.error("voicemail message %s is kept after its email: its recording "
                          "cannot be removed (%s)", message.uid, exc.strerror or exc)
                return
        if failed:
            self._went_down("database", failed.error)
            return
        if not deleted:
            log.info("voicemail message %s was gone before its delete after email",
                     message.uid)
            return
        with database_guard(log, "voicemail lamp of %s", number):
            self.mailbox_changed(domain_name, number)

    def _went_down(self, what, detail):
        if what not in self.down:
            self.down[what] = one_line(detail)
            log.error("voicemail emails: the %s is unusable (%s): emails wait and are tried "
                      "again", "SMTP server" if what == "smtp" else what, self.down[what])

    def _came_back(self, what):
        if self.down.pop(what, None) is not None:
            log.info("voicemail emails: the %s is back", "SMTP server" if what == "smtp"
                     else what)


def _message(message_id):
    """The message with its mailbox and domain (one query), or None when it is gone."""
    return (VoicemailMessage.select(VoicemailMessage, Extension, Domain)
            .join(Extension, on=(VoicemailMessage.mailbox == Extension.id))
            .switch(VoicemailMessage)
            .join(Domain, on=(VoicemailMessage.domain == Domain.id))
            .where(VoicemailMessage.id == message_id).first())


def _fax(job_id):
    """The received fax with its owner (one query), or None when it is gone."""
    return (FaxJob.select(FaxJob, Extension).join(Extension)
            .where(FaxJob.id == job_id).first())


def _owner(item):
    return item.extension if isinstance(item, FaxJob) else item.mailbox
