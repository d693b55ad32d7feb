"""Voicemail emails: the outbox (services.voicemail_email) and its sender
(switchctl.voicemail_mailer) against a real SMTP server the tests start (aiosmtpd, in a
process of its own: tests/servers/smtp.py), on a clock the tests move."""

import contextlib
import datetime
import logging
import shutil
import signal
import subprocess
import sys
import types
import uuid
import wave
import zoneinfo

import gevent
import gevent.event
import pytest

from switchctl import config as config_module
from switchctl import voicemail_mailer
from switchctl.db import open_database
from switchctl.models import Extension, VoicemailEmail, VoicemailMessage
from switchctl.models.base import now as local_now
from switchctl.services import call_records, voicemail
from switchctl.services import voicemail_email as outbox
from switchctl.services.domains import TIME_ZONE, set_setting
from switchctl.services.extensions import add_extension
from switchctl.voicemail_mailer import Mailer
from tests.builders.database import outage
from tests.builders.zones import other_zone
from tests.fakes.smtp import FakeSmtp
from tests.clients.cli import cli_env, free_tcp_port, start_serve
from tests.clients.cli import switchctl_here as switchctl
from tests.servers.smtp import SmtpServer

START = datetime.datetime(2026, 3, 6, 14, 56, 0)


class Clock:
    def __init__(self, now=START):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


class Lamps:
    """The live view's mailbox_changed, as the sender calls it."""

    def __init__(self):
        self.changed = []

    def __call__(self, domain_name, number):
        self.changed.append((domain_name, number))


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def smtp(tmp_path):
    server = SmtpServer(tmp_path / "received").start()
    yield server
    server.stop()


@pytest.fixture
def owner(db, domain):
    """Mailbox 101, Alice, who has an email address."""
    with db.connection_context():
        extension, _ = add_extension(domain, "101", "Alice", "Passw0rd101",
                                     email="alice@example.com")
    return extension


def mail_config(config, tmp_path, smtp_url):
    return config.with_changes(smtp_url=smtp_url, media=tmp_path / "media")


def write_wav(path, seconds=2):
    """A real 8 kHz mono 16-bit WAV whose samples are not all alike."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as sound:
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(8000)
        sound.writeframes(bytes((i * 7) % 256 for i in range(16000 * seconds)))
    return path.read_bytes()


def leave_message(db, config, mailbox, clock, caller=("102", "Bob")):
    """A message in ``mailbox`` with its WAV, and its email queued (one transaction), left
    at ``clock()`` (services.voicemail.store_message leaves them now)."""
    uid = str(uuid.uuid4())
    path = f"voicemail/{uid}.wav"
    write_wav(config.media_folder / path)
    with db.connection_context(), db.atomic():
        message = VoicemailMessage.create(
            domain=mailbox.domain_id, mailbox=mailbox, uid=uid, caller_number=caller[0],
            caller_name=caller[1], received=clock(), duration=42, path=path)
        outbox.queue_email(message, clock)
    return message


def email_of(db, message):
    with db.connection_context():
        return VoicemailEmail.get(VoicemailEmail.message == message.id)


def status_of(db, message):
    with db.connection_context():
        return outbox.status_of(message)


def tick(db, mailer):
    with db.connection_context():
        return mailer.tick()


@pytest.mark.both_databases
def test_an_email_is_queued_only_for_an_owner_with_an_address_and_with_its_message(
        db, domain, owner, config, clock):
    with db.connection_context():
        no_address, _ = add_extension(domain, "102", "Bob", "Passw0rd102")
        with db.atomic():
            kept = VoicemailMessage.create(domain=domain, mailbox=owner, caller_number="105",
                                           path="voicemail/a.wav")
            assert outbox.queue_email(kept, clock).recipient == "alice@example.com"
        assert outbox.queue_email(VoicemailMessage.create(
            domain=domain, mailbox=no_address, caller_number="105",
            path="voicemail/b.wav"), clock) is None
        with pytest.raises(ZeroDivisionError), db.atomic():
            dropped = VoicemailMessage.create(domain=domain, mailbox=owner,
                                              caller_number="105", path="voicemail/c.wav")
            outbox.queue_email(dropped, clock)
            1 / 0
        assert [(e.message_id, e.status, e.next_try) for e in VoicemailEmail.select()] == [
            (kept.id, "pending", START)]
        assert str(outbox.status_of(kept)) == "pending, 0 tries, next at 2026-03-06 14:56"


@pytest.mark.both_databases
def test_the_email_carries_the_envelope_and_the_wav_intact(
        db, owner, config, tmp_path, smtp, clock):
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    stored = (config.media_folder / message.path).read_bytes()

    assert tick(db, Mailer(config, clock=clock)) == 1

    [(facts, received)] = smtp.received()
    assert facts["rcpt_tos"] == ["alice@example.com"]
    assert facts["mail_from"] == "switchctl@pbx.local"
    assert received["To"] == "alice@example.com"
    assert received["Subject"] == "Voicemail from Bob (102) for 101"
    body = received.get_body(("plain",)).get_content()
    for fact in ("Mailbox:  101 (Alice)", "Caller:   Bob (102)",
                 "Received: 2026-03-06 14:56:00", "Duration: 0:42"):
        assert fact in body
    [attachment] = received.iter_attachments()
    assert attachment.get_content_type() == "audio/wav"
    assert attachment.get_filename() == "voicemail-20260306-145600.wav"
    assert attachment.get_content() == stored
    status = status_of(db, message)
    assert (status.status, status.attempts, status.sent, status.error) == (
        "sent", 1, START, "")
    assert str(status) == "sent to alice@example.com at 2026-03-06 14:56"
    assert tick(db, Mailer(config, clock=clock)) == 0
    assert len(smtp.received()) == 1


def test_the_time_told_is_the_domains_wall_clock(db, owner, config, tmp_path, smtp, clock):
    name = other_zone()
    with db.connection_context():
        set_setting(owner.domain_id, TIME_ZONE, name)
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    assert tick(db, Mailer(config, clock=clock)) == 1
    [(_, received)] = smtp.received()
    wall = call_records.local_time(message.received, zoneinfo.ZoneInfo(name))
    assert wall.hour != message.received.hour  # eight hours or more apart
    assert f"Received: {wall:%Y-%m-%d %H:%M:%S}" in received.get_body(("plain",)).get_content()
    [attachment] = received.iter_attachments()
    assert attachment.get_filename() == f"voicemail-{wall:%Y%m%d-%H%M%S}.wav"


def test_smtp_from_is_the_sender(db, owner, config, tmp_path, smtp, clock):
    config = mail_config(config, tmp_path, smtp.url()).with_changes(
        smtp_from="Voicemail <voicemail@example.com>")
    leave_message(db, config, owner, clock)
    assert tick(db, Mailer(config, clock=clock)) == 1
    [(facts, received)] = smtp.received()
    assert facts["mail_from"] == "voicemail@example.com"
    assert received["From"] == "Voicemail <voicemail@example.com>"


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (openssl's command line)."""
    if shutil.which("openssl") is None:
        pytest.skip("no openssl command to make a test certificate with")
    folder = tmp_path_factory.mktemp("certificate")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                    "-subj", "/CN=smtp.test", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)

    return types.SimpleNamespace(cert=cert, key=key)


@pytest.mark.parametrize("mode", ["starttls", "smtps"])
def test_tls_with_login(db, owner, config, tmp_path, clock, certificate, mode, monkeypatch):
    """The server's certificate is checked against the authorities SSL_CERT_FILE names
    (here the test's own); the password is percent-decoded from the URL."""
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    server = SmtpServer(tmp_path / "received", mode=mode, cert=certificate,
                        login="voicemail:p@ss:word").start()
    try:
        config = mail_config(config, tmp_path, server.url(userinfo="voicemail:p%40ss%3Aword"))
        message = leave_message(db, config, owner, clock)
        assert tick(db, Mailer(config, clock=clock)) == 1
        [(facts, received)] = server.received()
    finally:
        server.stop()
    assert (facts["tls"], facts["user"]) == (True, "voicemail")
    [attachment] = received.iter_attachments()
    assert attachment.get_content() == (config.media_folder / message.path).read_bytes()


def test_a_certificate_no_authority_vouches_for_is_refused(
        db, owner, config, tmp_path, clock, certificate, caplog):
    server = SmtpServer(tmp_path / "received", mode="starttls", cert=certificate).start()
    try:
        config = mail_config(config, tmp_path, server.url())
        message = leave_message(db, config, owner, clock)
        assert tick(db, Mailer(config, clock=clock)) == 0
        assert server.received() == []
    finally:
        server.stop()
    status = status_of(db, message)
    assert status.status == "retrying"
    assert "certificate verify failed" in status.error
    assert "certificate verify failed" in caplog.text


def test_a_wrong_password_is_not_taken_for_a_refusal_of_the_email(
        db, owner, config, tmp_path, clock, certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate.cert))
    server = SmtpServer(tmp_path / "received", mode="smtps", cert=certificate,
                        login="voicemail:right").start()
    try:
        config = mail_config(config, tmp_path, server.url(userinfo="voicemail:wrong"))
        message = leave_message(db, config, owner, clock)
        assert tick(db, Mailer(config, clock=clock)) == 0
    finally:
        server.stop()
    status = status_of(db, message)
    assert status.status == "retrying"
    assert status.error.startswith(f"smtps://127.0.0.1:{server.port}: 535 ")


@pytest.mark.both_databases
def test_an_outage_is_retried_with_back_off_then_fails_visibly_and_is_logged_once(
        db, owner, config, tmp_path, clock, caplog):
    port = free_tcp_port()  # nothing listens there
    config = mail_config(config, tmp_path, f"smtp://127.0.0.1:{port}")
    message = leave_message(db, config, owner, clock)
    mailer = Mailer(config, clock=clock)
    waits = []
    while True:
        assert tick(db, mailer) == 0
        status = status_of(db, message)
        if status.status == "failed":
            break
        assert status.status == "retrying"
        waits.append(status.next_try - clock())
        clock.advance(seconds=30)
        assert tick(db, mailer) == 0  # not due yet: not tried
        assert status_of(db, message).attempts == status.attempts
        clock.now = status.next_try
    assert [wait.total_seconds() / 60 for wait in waits] == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert status.attempts == outbox.MAX_ATTEMPTS
    assert status.error == f"smtp://127.0.0.1:{port}: Connection refused"
    assert str(status) == f"failed after 10 tries: smtp://127.0.0.1:{port}: Connection refused"
    outages = [r for r in caplog.records if "SMTP server is unusable" in r.getMessage()]
    assert len(outages) == 1 and outages[0].exc_info is None


@pytest.mark.both_databases
def test_a_permanent_refusal_fails_at_once_with_the_servers_words(
        db, domain, config, tmp_path, smtp, clock):
    with db.connection_context():
        mailbox, _ = add_extension(domain, "102", "Bob", "Passw0rd102",
                                   email="nobody@example.com")
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, mailbox, clock)
    assert tick(db, Mailer(config, clock=clock)) == 0
    status = status_of(db, message)
    assert (status.status, status.attempts) == ("failed", 1)
    assert status.error == "550 5.1.1 <nobody@example.com>: no such user here"


def test_a_temporary_refusal_is_retried_with_the_servers_words(
        db, domain, owner, config, tmp_path, smtp, clock, caplog):
    with db.connection_context():
        mailbox, _ = add_extension(domain, "102", "Bob", "Passw0rd102",
                                   email="busy@example.com")
    config = mail_config(config, tmp_path, smtp.url())
    busy = leave_message(db, config, mailbox, clock)
    leave_message(db, config, owner, clock)
    assert tick(db, Mailer(config, clock=clock)) == 1  # one refusal holds up no other email
    status = status_of(db, busy)
    assert (status.status, status.attempts, status.next_try) == (
        "retrying", 1, START + outbox.RETRY_FIRST)
    assert status.error == "451 4.2.1 <busy@example.com>: mailbox busy, try again later"
    assert "SMTP server is unusable" not in caplog.text


@pytest.mark.both_databases
def test_a_new_sender_after_a_restart_sends_the_email_once(
        db, owner, config, tmp_path, clock):
    port = free_tcp_port()
    server = SmtpServer(tmp_path / "received", port=port)
    config = mail_config(config, tmp_path, server.url())
    message = leave_message(db, config, owner, clock)
    assert tick(db, Mailer(config, clock=clock)) == 0  # the server is down
    assert status_of(db, message).status == "retrying"
    server.start()
    try:
        restarted = Mailer(config, clock=clock)
        assert tick(db, restarted) == 0  # not due yet
        clock.now = status_of(db, message).next_try
        assert tick(db, restarted) == 1
        clock.advance(hours=5)
        assert tick(db, Mailer(config, clock=clock)) == 0
        assert len(server.received()) == 1
    finally:
        server.stop()
    assert status_of(db, message).status == "sent"


@pytest.mark.both_databases
def test_an_email_claimed_by_a_sender_that_died_is_sent_once_its_lease_is_over(
        db, owner, config, tmp_path, smtp, clock):
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    with db.connection_context():
        assert outbox.claim(email_of(db, message).id, clock()) is not None  # and then died
    mailer = Mailer(config, clock=clock)
    clock.advance(minutes=9)
    assert tick(db, mailer) == 0
    clock.advance(minutes=1)
    assert tick(db, mailer) == 1
    assert len(smtp.received()) == 1
    assert status_of(db, message).attempts == 2


@pytest.mark.both_databases
def test_two_senders_on_one_database_send_each_email_once(
        db, owner, config, tmp_path, smtp, clock):
    config = mail_config(config, tmp_path, smtp.url())
    messages = [leave_message(db, config, owner, clock) for _ in range(6)]
    with db.connection_context():
        # The first lists all six as due, claims one and, while it sends, the second lists
        # the other five: from then on both try the same emails.
        senders = [gevent.spawn(Mailer(config, clock=clock).tick) for _ in range(2)]
        gevent.joinall(senders, raise_error=True, timeout=60)
    assert 0 not in [sender.value for sender in senders]  # they really met
    assert sum(sender.value for sender in senders) == 6
    ids = sorted(received["Message-ID"] for _, received in smtp.received())
    assert len(ids) == len(set(ids)) == 6
    assert {status_of(db, m).status for m in messages} == {"sent"}


@pytest.mark.both_databases
def test_a_claim_is_won_by_one_sender(db, owner, config, tmp_path, clock):
    config = mail_config(config, tmp_path, "")
    message = leave_message(db, config, owner, clock)
    with db.connection_context():
        email_id = email_of(db, message).id
        assert [e.id for e in outbox.due(clock())] == [email_id]
        assert outbox.claim(email_id, clock()).attempts == 1
        assert outbox.claim(email_id, clock()) is None
        assert outbox.due(clock()) == []


@pytest.mark.both_databases
def test_delete_after_email_removes_the_message_and_its_file_and_lights_the_lamp(
        db, owner, config, tmp_path, smtp, clock):
    with db.connection_context():
        owner.voicemail_delete_after_email = True
        owner.save()
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    wav = config.media_folder / message.path
    stored = wav.read_bytes()
    lamps = Lamps()
    assert tick(db, Mailer(config, mailbox_changed=lamps, clock=clock)) == 1
    [(_, received)] = smtp.received()
    assert next(received.iter_attachments()).get_content() == stored
    assert not wav.exists()
    with db.connection_context():
        assert VoicemailMessage.get_or_none(VoicemailMessage.id == message.id) is None
    assert lamps.changed == [("pbx.local", "101")]


def test_a_message_kept_after_its_email_keeps_its_file_and_lamp(
        db, owner, config, tmp_path, smtp, clock):
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    lamps = Lamps()
    assert tick(db, Mailer(config, mailbox_changed=lamps, clock=clock)) == 1
    assert (config.media_folder / message.path).exists()
    assert lamps.changed == []


def test_without_an_smtp_server_emails_wait_and_say_why(db, owner, config, tmp_path, clock):
    config = mail_config(config, tmp_path, "")
    message = leave_message(db, config, owner, clock)
    assert tick(db, Mailer(config, clock=clock)) == 0
    status = status_of(db, message)
    assert (status.status, status.attempts, status.error) == (
        "pending", 0, "no SMTP server configured")
    assert str(status) == "pending, 0 tries, next at 2026-03-06 14:56: no SMTP server configured"


def test_without_an_smtp_server_the_sender_says_so_once_at_start(config, caplog):
    mailer = Mailer(mail_config(config, config.data, ""))
    ticks = []
    third = gevent.event.Event()

    def tick():
        ticks.append(1)
        if len(ticks) == 3:
            third.set()
    mailer.tick = tick
    runner = gevent.spawn(mailer.run, interval=0)
    assert third.wait(timeout=10)
    runner.kill()
    said = [r for r in caplog.records if "no SMTP server configured" in r.getMessage()]
    assert len(said) == 1 and said[0].levelno == logging.WARNING


def test_a_message_whose_wav_cannot_be_read_fails_with_the_reason(
        db, owner, config, tmp_path, smtp, clock, capfd):
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    (config.media_folder / message.path).unlink()
    capfd.readouterr()
    assert tick(db, Mailer(config, clock=clock)) == 0
    assert "Traceback" not in capfd.readouterr().err  # an expected failure, logged by us
    status = status_of(db, message)
    assert (status.status, status.attempts) == ("failed", 1)
    assert status.error == (f"cannot read the recording {config.media_folder / message.path}: "
                            f"No such file or directory")
    assert smtp.received() == []


@pytest.mark.both_databases
def test_a_database_outage_is_survived_and_logged_once(
        db, owner, config, tmp_path, smtp, clock, caplog):
    config = mail_config(config, tmp_path, smtp.url())
    message = leave_message(db, config, owner, clock)
    mailer = Mailer(config, clock=clock)
    caplog.set_level(logging.INFO, "switchctl.voicemail_mailer")
    with outage(db):  # PostgreSQL: our connection is cut; SQLite: no file for the block
        sent = [mailer.tick(), mailer.tick()]
    sent.append(mailer.tick())
    db.close()
    assert sent[0] == 0 and sum(sent) == 1
    assert status_of(db, message).status == "sent"
    downs = [r for r in caplog.records if "the database is unusable" in r.getMessage()]
    assert len(downs) == 1 and downs[0].exc_info is None
    assert "voicemail emails: the database is back" in caplog.text


def test_the_smtp_url_is_read_with_its_defaults_and_percent_decoded():
    server = voicemail_mailer.SmtpServer.from_url("smtp+starttls://u%40x:p%2Fw@mail.example.com")
    assert (server.host, server.port, server.user, server.password) == (
        "mail.example.com", 587, "u@x", "p/w")
    assert "p/w" not in repr(server) and str(server) == "smtp+starttls://mail.example.com:587"
    assert voicemail_mailer.SmtpServer.from_url("smtps://mail.example.com").port == 465
    assert voicemail_mailer.SmtpServer.from_url("smtp://mail.example.com:2525").port == 2525


def serve_log_until(process, text, timeout=30):
    """serve's log lines from its start up to the first that holds ``text`` (read in a
    thread: the test's hub stays free)."""
    def read():
        seen = list(process.start_log)
        for line in [] if text in "".join(seen) else process.stderr:
            seen.append(line)
            if text in line:
                break
        return seen
    seen = gevent.get_hub().threadpool.spawn(read).get(timeout=timeout)
    assert text in "".join(seen), "".join(seen)
    return seen


@pytest.fixture
def demo(tmp_path):
    """The demo office (101 has an address) with a message left at 101, its email queued."""
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    config = config_module.load({"SWITCHCTL_DATA": str(tmp_path)})
    db = open_database(config.database)
    with db.connection_context():
        Extension.update(email="alice@example.com").where(Extension.number == "101").execute()
        mailbox = Extension.get(Extension.number == "101")
    message = leave_message(db, config, mailbox, Clock(local_now()))
    db.close()
    return config, message


def test_serve_sends_the_outbox(tmp_path, demo, smtp):
    config, message = demo
    process = start_serve(tmp_path, f"127.0.0.1:{free_tcp_port()}",
                          SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}",
                          SWITCHCTL_SMTP_URL=smtp.url())
    try:
        serve_log_until(process, "voicemail email 1 sent to alice@example.com")
        [(_, received)] = smtp.received()
        assert next(received.iter_attachments()).get_content() == (
            config.media_folder / message.path).read_bytes()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        assert "Traceback" not in process.stderr.read()
    finally:
        process.kill()
        process.wait()


def test_serve_without_an_smtp_server_says_so(tmp_path, demo):
    process = start_serve(tmp_path, f"127.0.0.1:{free_tcp_port()}",
                          SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}")
    try:
        serve_log_until(process, "voicemail emails: no SMTP server configured (smtp_url)")
    finally:
        process.kill()
        process.wait()


def outbox_cli(tmp_path, *args):
    result = switchctl(tmp_path, "outbox", *args)
    assert "Traceback" not in result.stderr
    return result


def test_outbox_list_and_retry(tmp_path, demo):
    config, message = demo
    port = free_tcp_port()  # nothing listens there
    db = open_database(config.database)
    clock = Clock(local_now())
    with db.connection_context():
        assert Mailer(config.with_changes(smtp_url=f"smtp://127.0.0.1:{port}"),
                      clock=clock).tick() == 0
        next_try = outbox.status_of(message).next_try
    listed = outbox_cli(tmp_path, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.splitlines() == [
        "ID\tMAILBOX\tTO\tSTATUS\tTRIES\tNEXT TRY\tSENT\tERROR",
        f"1\t101\talice@example.com\tretrying\t1\t{next_try:%Y-%m-%d %H:%M:%S}\t-\t"
        f"smtp://127.0.0.1:{port}: Connection refused"]
    refused = outbox_cli(tmp_path, "retry", "1")
    assert refused.returncode == 1
    assert refused.stderr == (f"switchctl: error: email 1 is retrying: it is tried again at "
                              f"{next_try:%Y-%m-%d %H:%M}\n")

    with db.connection_context():
        outbox.mark_failed(email_of(db, message), "550 5.1.1 no such user")
    assert "\tfailed\t1\t-\t-\t550 5.1.1 no such user" in outbox_cli(tmp_path, "list").stdout
    retried = outbox_cli(tmp_path, "retry", "1")
    assert (retried.returncode, retried.stdout) == (
        0, "email 1 is tried again now (by switchctl serve)\n")
    with db.connection_context():
        status = outbox.status_of(message)
    db.close()
    assert (status.status, status.attempts, status.error) == ("pending", 0, "")
    assert outbox_cli(tmp_path, "list", "--open").stdout.splitlines()[1].split("\t")[3] == \
        "pending"


@pytest.mark.parametrize("args, code, words", [
    (("retry", "7"), 1, "no email 7 in the outbox"),
    (("retry", "abc"), 2, "argument ID: expected a number from 1, got 'abc'"),
    (("retry", "99999999999999"), 2, "expected a number from 1"),
    (("list", "--limit", "0"), 2, "expected a number from 1, got '0'"),
])
def test_outbox_refuses_bad_arguments_in_one_line(tmp_path, demo, args, code, words):
    result = outbox_cli(tmp_path, *args)
    assert result.returncode == code
    assert words in result.stderr and len(result.stderr.splitlines()) == 1


def test_outbox_list_of_an_empty_outbox(tmp_path):
    assert switchctl(tmp_path, "init").returncode == 0
    assert outbox_cli(tmp_path, "list").stdout == "no emails in the outbox\n"


SENDER = """
import sys
from switchctl import config
from switchctl.db import open_database
from switchctl.voicemail_mailer import Mailer

settings = config.load()
open_database(settings.database)
mailer = Mailer(settings)
print("ready", flush=True)
sys.stdin.readline()
sent = total = 1
while sent:
    sent = mailer.tick()
    total += sent
print(total - 1, flush=True)
"""


@pytest.mark.both_databases
def test_two_processes_on_one_database_send_each_email_once(
        db, owner, config, tmp_path, smtp):
    config = mail_config(config, tmp_path, smtp.url())
    clock = Clock(local_now())
    for _ in range(30):
        leave_message(db, config, owner, clock)
    env = cli_env(config.data, SWITCHCTL_DATABASE=config.database,
                  SWITCHCTL_MEDIA=str(config.media_folder), SWITCHCTL_SMTP_URL=smtp.url())
    senders = [subprocess.Popen([sys.executable, "-c", SENDER], env=env, text=True,
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)
               for _ in range(2)]
    try:
        assert [sender.stdout.readline() for sender in senders] == ["ready\n"] * 2
        for sender in senders:  # both at once
            sender.stdin.write("go\n")
            sender.stdin.flush()
        counts = [int(sender.communicate(timeout=60)[0]) for sender in senders]
    finally:
        for sender in senders:
            sender.kill()
            sender.wait()
    assert sum(counts) == 30
    ids = [received["Message-ID"] for _, received in smtp.received()]
    assert len(ids) == len(set(ids)) == 30
    with db.connection_context():
        assert {e.status for e in VoicemailEmail.select()} == {"sent"}


def test_a_message_the_mailbox_stores_is_emailed(db, domain, owner, config, tmp_path, smtp):
    """services.voicemail.store_message, as the mailbox flow keeps a recording, queues the
    email; the sender sends it, the recording attached as the switch wrote it."""
    config = mail_config(config, tmp_path, smtp.url())
    with db.connection_context():
        add_extension(domain, "102", "Bob", "Passw0rd102")
        box = voicemail.mailbox("pbx.local", "101")
        message_file = voicemail.new_message_file(config.media_folder, box)
        recorded = write_wav(config.media_folder / message_file.relative, seconds=4)
        stored = voicemail.store_message(config.media_folder, box, message_file, "102",
                                         from_our_users=True)
        assert stored.kept
        assert Mailer(config).tick() == 1
    [(_, received)] = smtp.received()
    assert received["Subject"] == "Voicemail from Bob (102) for 101"
    assert next(received.iter_attachments()).get_content() == recorded


def test_a_silent_server_holds_up_nothing_else(db, owner, config, tmp_path, clock):
    """The SMTP connection is gevent's: while it waits for a greeting that does not come,
    the rest of the process runs (here the fake server's own greenlet and the test)."""
    fake = FakeSmtp(silent=True).start()
    try:
        config = mail_config(config, tmp_path, fake.url)
        message = leave_message(db, config, owner, clock)
        with db.connection_context():
            sending = gevent.spawn(Mailer(config, clock=clock).tick)
            assert fake.connected.wait(timeout=10)
            assert not sending.ready()  # still waiting for the greeting
            fake.hang_up.set()
            assert sending.get(timeout=10) == 0
    finally:
        fake.stop()
    status = status_of(db, message)
    assert (status.status, status.error) == (
        "retrying", f"{fake.url}: Connection unexpectedly closed")


@pytest.mark.both_databases
def test_an_email_sent_as_the_database_went_away_is_recorded_once_it_is_back(
        db, owner, config, tmp_path, clock, caplog):
    away = contextlib.ExitStack()
    fake = FakeSmtp(on_message=lambda content: away.enter_context(outage(db))).start()
    try:
        config = mail_config(config, tmp_path, fake.url)
        message = leave_message(db, config, owner, clock)
        mailer = Mailer(config, clock=clock)
        with away:  # from the moment the server has the message, before it says 250
            assert mailer.tick() == 1
            clock.advance(minutes=30)  # past the claim's lease
            mailer.tick()
        mailer.tick()
        db.close()
    finally:
        fake.stop()
    assert len(fake.messages) == 1
    status = status_of(db, message)
    assert (status.status, status.sent, status.attempts) == ("sent", START, 1)
    downs = [r for r in caplog.records if "the database is unusable" in r.getMessage()]
    assert len(downs) == 1
