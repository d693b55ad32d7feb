"""The fax queue (services/fax) sent by the fax sender (esl/fax_sender) through a fake switch
speaking the real event-socket protocol: the originate command, the switch's real results
(tests/data/freeswitch/fax, the uuid and job of each try put in) coming back as events and
as CDRs, retries, the watchdog, restarts, and a received fax logged as a PDF."""

import datetime
import errno
import io
import logging
import os
import zoneinfo

import gevent
import pytest
from greenswitch.esl import ESLEvent
from PIL import Image

from switchctl.esl.fax_sender import FaxSender
from switchctl.freeswitch.commands import fax_originate
from switchctl.freeswitch.fax_results import fax_report
from switchctl.models import Extension, FaxAttempt, FaxJob, FaxNumber
from switchctl.services import ValidationError, call_records, fax, fax_numbers, setting_limits
from switchctl.services.domains import ensure_domain
from switchctl.services import voicemail_email as outbox
from switchctl.services.domains import TIME_ZONE, set_setting
from switchctl.services.fax_documents import Upload, fax_document
from switchctl.voicemail_mailer import Mailer
from switchctl.xml_cdr.intake import take
from tests.builders.captures import payload
from tests.builders.wakeup import Clock, Link, inbound_switch
from tests.builders.zones import other_zone
from tests.servers.smtp import SmtpServer

pytestmark = pytest.mark.both_databases
T0 = datetime.datetime(2026, 3, 2, 9, 0)
CAPTURED_UUID = "11111111-2222-3333-4444-555555555555"  # the sending leg's, in the captures


def ext(number):
    return Extension.get(Extension.number == number)


def page_png(text_width=800):
    image = Image.new("L", (text_width, 1100), 255)
    image.paste(0, (100, 100, 700, 140))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return Upload("page.png", out.getvalue())


def event(name, uuid, job_id=None, **variables):
    """A captured fax event's headers with this test's call uuid (and job) put in."""
    headers = ESLEvent(payload(f"fax/{name}.txt").decode()).headers
    captured = headers["Unique-ID"]
    for key, value in list(headers.items()):
        if value == captured:
            headers[key] = uuid
    if job_id is not None:
        headers["variable_switchctl_fax_job"] = str(job_id)
    headers.update({f"variable_{key}": value for key, value in variables.items()})
    return headers


def cdr_body(name, uuid, job_id):
    body = payload(f"fax/{name}.body.txt").replace(CAPTURED_UUID.encode(), uuid.encode())
    return body.replace(b"<switchctl_fax_job>7</switchctl_fax_job>",
                        f"<switchctl_fax_job>{job_id}</switchctl_fax_job>".encode())


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def link(office):
    followed = Link(inbound_switch())
    yield followed
    followed.stop()
    followed.switch.stop()


@pytest.fixture
def sender(link, config, clock):
    return FaxSender(link.listener, config, clock=clock, instance="here")


def queued(config, clock, number="95550100", pages=1, who="101"):
    return fax.submit(ext(who), number, [page_png()] * pages, config.media_folder, now=clock())


def originates(switch):
    return [c for c in switch.commands if c.startswith("bgapi originate")]


def emitted(link, sender, headers):
    """Send ``headers`` as the switch would and let the sender store what it reads."""
    link.switch.emit_event(headers)
    with gevent.Timeout(5):
        while sender.reports.empty():
            gevent.sleep(0.01)
    sender.take_waiting()


def attempt_uuid(job, index=-1):
    return fax.attempts_of(job.id)[index].uuid


# Submitting.

def test_a_fax_is_queued_with_its_tiff_and_pdf_under_the_media_folder(office, config, clock):
    job = queued(config, clock, pages=2)
    assert (job.status, job.direction, job.pages, job.next_try, job.attempts) == (
        "queued", "sent", 2, T0, 0)
    with Image.open(config.media_folder / job.tiff_path) as tiff:
        assert (tiff.n_frames, tiff.width) == (2, 1728)
    assert (config.media_folder / job.pdf_path).read_bytes().startswith(b"%PDF-")


@pytest.mark.parametrize(("who", "number", "said"), [
    ("101", "5550100", "not an outside number"),  # no outbound prefix
    ("101", "9abc", "not a fax number"),
    ("103", "95550100", "may not call outside numbers"),  # the lobby phone
])
def test_a_fax_nobody_may_send_is_refused_and_nothing_is_written(
        office, config, clock, who, number, said):
    with pytest.raises(ValidationError, match=said):
        queued(config, clock, number=number, who=who)
    assert FaxJob.select().count() == 0
    assert list(config.media_folder.rglob("*.tif")) == []


def test_a_bad_file_queues_nothing(office, config, clock):
    with pytest.raises(ValidationError, match="cannot be faxed|not a"):
        fax.submit(ext("101"), "95550100", [Upload("run.pdf", b"\x7fELF\x02\x01\x01")],
                   config.media_folder, now=clock())
    assert FaxJob.select().count() == 0


# Sending, through the fake switch.

def test_the_sender_places_a_due_fax_with_the_originate_command(sender, link, config, clock):
    fax.set_setting(ext("101").domain, "fax_header", "ACME Sales")
    Extension.update(outbound_caller_id="+33 1 23 45 67 89").where(
        Extension.number == "101").execute()
    job = queued(config, clock, pages=2)
    assert sender.tick() == 1
    uuid = attempt_uuid(job)
    expected = fax_originate(uuid, job.id, "trunk", "5550100",
                             f"{config.switch_media_folder}/{job.tiff_path}",
                             header="ACME Sales", ident="+33123456789", use_ecm=True,
                             caller_id="+33123456789", ring_seconds=60)
    # The fake switch joins a command's lines with spaces, as it records them.
    assert originates(link.switch) == [expected.replace("\n", " ")]
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts, row.call_uuid, row.claimed_by) == (
        "sending", 1, uuid, "here")
    # Claimed for the ring time and 90 s a page, and a minute more.
    assert row.claimed_until == T0 + datetime.timedelta(seconds=60 + 180 + 60)
    assert sender.tick() == 0 and len(originates(link.switch)) == 1  # not sent twice


def test_a_fax_the_switch_sent_reads_sent_with_its_pages_and_station(
        sender, link, config, clock):
    job = queued(config, clock, pages=2)
    sender.tick()
    uuid = attempt_uuid(job)
    emitted(link, sender, event("sent_2_pages_txfaxresult", uuid, job.id))
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.pages_transferred, row.result_code, row.result_text,
            row.remote_station, row.finished, row.claimed_by) == (
        "sent", 2, 0, "OK", "PBX Fax", T0, "")
    # The hang-up that follows and the CDR change nothing.
    emitted(link, sender, event("sent_2_pages_hangup_sender", uuid, job.id))
    assert take(cdr_body("sent_2_pages_sender", uuid, job.id), "pbx.local",
                media_folder=config.media_folder).done
    assert [(a.result, a.pages_transferred) for a in fax.attempts_of(job.id)] == [("sent", 2)]
    assert FaxJob.get_by_id(job.id).status == "sent"


def test_busy_then_sent_tries_again_at_the_interval_with_the_header_each_time(
        sender, link, config, clock):
    fax.set_setting(ext("101").domain, "fax_header", "ACME Sales")
    job = queued(config, clock)
    sender.tick()
    emitted(link, sender, event("busy_hangup_sender", attempt_uuid(job), job.id))
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.next_try) == ("queued", T0 + datetime.timedelta(minutes=5))
    assert row.result_text == "busy (USER_BUSY); try 2 at 09:05"
    clock.advance(minutes=4, seconds=59)
    assert sender.tick() == 0
    clock.advance(seconds=1)
    assert sender.tick() == 1
    first, second = originates(link.switch)
    assert "fax_header='ACME Sales'" in first and "fax_header='ACME Sales'" in second
    assert attempt_uuid(job, 0) != attempt_uuid(job, 1)
    emitted(link, sender, event("sent_2_pages_txfaxresult", attempt_uuid(job), job.id))
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts) == ("sent", 2)
    assert [a.result for a in fax.attempts_of(job.id)] == ["busy", "sent"]


def test_the_next_try_is_told_on_the_domains_clock(sender, link, config, clock):
    name = other_zone()
    set_setting(ext("101").domain, TIME_ZONE, name)
    job = queued(config, clock)
    sender.tick()
    emitted(link, sender, event("busy_hangup_sender", attempt_uuid(job), job.id))
    row = FaxJob.get_by_id(job.id)
    wall = call_records.local_time(row.next_try, zoneinfo.ZoneInfo(name))
    assert wall.hour != row.next_try.hour  # eight hours or more apart
    assert row.result_text == f"busy (USER_BUSY); try 2 at {wall:%H:%M}"


def test_a_fax_that_keeps_failing_fails_after_its_last_try(sender, link, config, clock, caplog):
    fax.set_setting(ext("101").domain, "fax_retries", "1")
    job = queued(config, clock)
    for _ in range(2):
        sender.tick()
        emitted(link, sender, event("dropped_txfaxresult", attempt_uuid(job), job.id))
        clock.advance(minutes=5)
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts, row.result_code, row.result_text) == (
        "failed", 2, 49, "The call dropped prematurely (code 49) after 2 tries")
    assert sender.tick() == 0 and len(originates(link.switch)) == 2
    assert f"fax {job.id} to 95550100: The call dropped prematurely" in caplog.text


def test_a_number_that_cannot_be_called_fails_at_once(sender, link, config, clock):
    job = queued(config, clock)
    sender.tick()
    headers = event("busy_hangup_sender", attempt_uuid(job), job.id)
    headers["Hangup-Cause"] = "UNALLOCATED_NUMBER"
    emitted(link, sender, headers)
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.result_text) == ("failed", "cannot be called (UNALLOCATED_NUMBER)")


def refused_once(sender, config, clock):
    """A fax placed once, its originate's BACKGROUND_JOB taken: the job as that left it."""
    job = queued(config, clock)
    sender.tick()
    with gevent.Timeout(5):
        while FaxJob.get_by_id(job.id).status == "sending":
            gevent.sleep(0.01)
            sender.take_waiting()
    return FaxJob.get_by_id(job.id)


def test_a_call_the_switch_could_not_place_fails_at_once(sender, link, config, clock):
    """An unknown gateway: no channel, so no hang-up; the originate's BACKGROUND_JOB says
    -ERR INVALID_GATEWAY, and the fax fails then, not after its claim and the grace."""
    link.switch.job_results["originate"] = "-ERR INVALID_GATEWAY\n"
    row = refused_once(sender, config, clock)
    assert (row.status, row.result_text) == ("failed", "cannot be called (INVALID_GATEWAY)")
    assert [a.result for a in fax.attempts_of(row.id)] == ["failed"]


def test_a_call_refused_for_another_cause_is_tried_again(sender, link, config, clock):
    """-ERR NORMAL_TEMPORARY_FAILURE (the trunk answered 503): nothing was reached and no
    result will come, so the try ends now and the fax is tried again at the interval."""
    link.switch.job_results["originate"] = "-ERR NORMAL_TEMPORARY_FAILURE\n"
    row = refused_once(sender, config, clock)
    assert (row.status, row.result_text) == (
        "queued", "the call failed (NORMAL_TEMPORARY_FAILURE); try 2 at 09:05")


def test_the_watchdog_takes_back_a_call_lost_mid_fax(sender, link, config, clock, caplog):
    job = queued(config, clock)
    sender.tick()
    uuid = attempt_uuid(job)
    lease = FaxJob.get_by_id(job.id).claimed_until
    link.switch.answers[f"uuid_exists {uuid}"] = "true"
    clock.now = lease
    sender.tick()  # still up: the claim is extended
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.claimed_until) == ("sending", lease + fax.STILL_UP)
    link.switch.answers[f"uuid_exists {uuid}"] = "false"  # the call went, no result came
    clock.now = row.claimed_until
    sender.tick()
    assert FaxJob.get_by_id(job.id).status == "sending"  # its record may yet come
    assert fax.attempts_of(job.id)[0].result == "gone"
    clock.advance(seconds=fax.CDR_GRACE.total_seconds())
    sender.tick()
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.next_try) == ("queued", clock() + datetime.timedelta(minutes=5))
    assert fax.attempts_of(job.id)[0].result == "lost"
    assert f"fax {job.id}: its call {uuid} is gone without a result" in caplog.text
    clock.now = row.next_try
    assert sender.tick() == 1  # tried again


def test_a_result_coming_by_cdr_during_the_grace_is_taken(sender, link, config, clock):
    job = queued(config, clock, pages=2)
    sender.tick()
    uuid = attempt_uuid(job)
    link.switch.answers[f"uuid_exists {uuid}"] = "false"
    clock.now = FaxJob.get_by_id(job.id).claimed_until
    sender.tick()
    assert take(cdr_body("sent_2_pages_sender", uuid, job.id), "pbx.local",
                media_folder=config.media_folder).done
    assert FaxJob.get_by_id(job.id).status == "sent"


def test_at_most_max_calls_faxes_are_out_at_once_the_rest_wait_their_turn(
        sender, link, config, clock, monkeypatch):
    monkeypatch.setattr(fax, "MAX_CALLS", 2)
    jobs = [queued(config, clock) for _ in range(3)]
    assert sender.tick() == 2
    assert [FaxJob.get_by_id(job.id).status for job in jobs] == ["sending", "sending", "queued"]
    assert sender.tick() == 0  # still two out
    emitted(link, sender, event("sent_2_pages_txfaxresult", attempt_uuid(jobs[0]), jobs[0].id))
    assert sender.tick() == 1
    assert FaxJob.get_by_id(jobs[2].id).status == "sending"
    assert len(originates(link.switch)) == 3


def test_a_restart_loses_no_fax_and_sends_none_twice(link, config, clock):
    before = FaxSender(link.listener, config, clock=clock, instance="before")
    waiting = queued(config, clock)
    out, sent, lost = (queued(config, clock) for _ in range(3))
    failed = queued(config, clock, number="95550199")
    FaxJob.update(next_try=T0 + datetime.timedelta(hours=1)).where(
        FaxJob.id == waiting.id).execute()
    assert before.tick() == 4
    link.listener.header_observers.remove(before.on_event)  # "before" dies here
    uuids = {job.id: attempt_uuid(job) for job in (out, sent, lost, failed)}
    link.switch.answers[f"uuid_exists {uuids[out.id]}"] = "true"
    link.switch.answers[f"uuid_exists {uuids[lost.id]}"] = "false"
    after = FaxSender(link.listener, config, clock=clock, instance="after")
    # While switchctl was away: one fax went through (its CDR comes from the spool), one
    # number was refused for good.
    assert take(cdr_body("sent_2_pages_sender", uuids[sent.id], sent.id), "pbx.local",
                media_folder=config.media_folder).done
    headers = event("busy_hangup_sender", uuids[failed.id], failed.id)
    headers["Hangup-Cause"] = "UNALLOCATED_NUMBER"
    emitted(link, after, headers)
    assert after.tick() == 0  # nothing due: the claims of "before" still run
    clock.now = FaxJob.get_by_id(out.id).claimed_until
    assert after.tick() == 0
    for _ in range(2):  # the lost one: its record waited for, then tried again
        clock.advance(seconds=fax.CDR_GRACE.total_seconds())
        after.tick()
    statuses = {job.id: FaxJob.get_by_id(job.id).status
                for job in (waiting, out, sent, lost, failed)}
    assert statuses == {waiting.id: "queued", out.id: "sending", sent.id: "sent",
                        lost.id: "queued", failed.id: "failed"}
    assert len(originates(link.switch)) == 4  # none sent twice
    clock.now = T0 + datetime.timedelta(hours=1)
    link.switch.answers[f"uuid_exists {uuids[out.id]}"] = "true"
    assert after.tick() == 2  # the waiting one, and the lost one's second try
    assert FaxJob.get_by_id(waiting.id).claimed_by == "after"


def test_the_switch_away_sends_nothing_and_loses_nothing(link, sender, config, clock):
    job = queued(config, clock)
    link.switch.stop()
    with gevent.Timeout(5):
        while link.listener.online.is_set():
            gevent.sleep(0.01)
    assert sender.tick() == 0
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts) == ("queued", 0)


def test_an_originate_written_but_not_answered_in_time_is_not_placed_again(
        sender, link, config, clock, caplog):
    """The switch took the command but its reply did not come: the call may be ringing.
    The fax stays sending (its events, or the watchdog, decide), never placed twice."""
    job, behind = queued(config, clock), queued(config, clock)
    link.switch.unanswered.add("bgapi")
    link.listener._client.timeout = 0.3
    assert sender.tick() == 1
    assert "no reply to bgapi; taken as sent, the connection closed" in caplog.text
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts) == ("sending", 1)
    assert [a.result for a in fax.attempts_of(job.id)] == ["calling"]
    # The one behind it waits for the link to come back, not 5 s on a stalled switch.
    assert (FaxJob.get_by_id(behind.id).status, fax.attempts_of(behind.id)) == ("queued", [])
    link.switch.unanswered.clear()
    assert link.changes.get(timeout=5) is False and link.changes.get(timeout=5) is True
    clock.advance(minutes=1)
    sender.tick()
    placed = originates(link.switch)
    assert len(placed) == 2 and f"switchctl_fax_job={behind.id}," in placed[1]
    assert sum(f"switchctl_fax_job={job.id}," in command for command in placed) == 1


def test_a_header_the_command_cannot_carry_fails_those_faxes_and_no_other(
        sender, link, config, clock):
    """A header stored before it was checked (an older database): its faxes fail with the
    reason at once, none is left sending, and the rest of the batch is placed."""
    first, second = queued(config, clock), queued(config, clock)
    setting_limits.store(ext("101").domain, "fax_header", "it's {ours}")
    other = queued(config, clock, who="102")
    Extension.update(domain=ensure_domain("x" * 60 + ".example")).where(
        Extension.number == "102").execute()
    FaxJob.update(domain=Extension.get(Extension.number == "102").domain).where(
        FaxJob.id == other.id).execute()
    assert sender.tick() == 1
    for job in (first, second):
        row = FaxJob.get_by_id(job.id)
        assert row.status == "failed" and row.result_text.startswith("cannot be sent: ")
    (command,) = originates(link.switch)
    assert f"switchctl_fax_job={other.id}" in command
    assert f"fax_header='{'x' * 50}'" in command  # the long domain name, cut to fit


def test_a_fax_whose_command_could_not_be_sent_is_given_back(office, config, clock):
    class Away:
        online = gevent.event.Event()
        header_observers = []

        def send(self, command):
            return False

    Away.online.set()
    job = queued(config, clock)
    assert FaxSender(Away(), config, clock=clock).tick() == 0
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.attempts, row.next_try, row.call_uuid) == ("queued", 0, T0, "")
    assert fax.attempts_of(job.id) == []


def test_a_route_removed_after_queueing_fails_the_fax(sender, link, config, clock):
    job = queued(config, clock)
    Extension.update(outbound_allowed=False).where(Extension.number == "101").execute()
    assert sender.tick() == 0
    row = FaxJob.get_by_id(job.id)
    assert (row.status, row.result_text) == (
        "failed", "the sender may no longer call outside numbers")


def test_a_failed_fax_is_sent_again_on_resend(sender, link, config, clock):
    fax.set_setting(ext("101").domain, "fax_retries", "0")
    job = queued(config, clock)
    sender.tick()
    emitted(link, sender, event("dropped_txfaxresult", attempt_uuid(job), job.id))
    assert FaxJob.get_by_id(job.id).status == "failed"
    with pytest.raises(ValidationError):
        fax.resend(ext("102"), job.id)  # not Bob's
    assert fax.resend(ext("101"), job.id, now=clock()).status == "queued"
    assert sender.tick() == 1 and len(originates(link.switch)) == 2


def test_a_queued_fax_canceled_by_its_sender_is_not_sent_and_can_be_resent(
        sender, link, config, clock):
    waiting = queued(config, clock)
    with pytest.raises(ValidationError, match="is not waiting to be sent"):
        fax.cancel(ext("102"), waiting.id)  # not 102's
    job = fax.cancel(ext("101"), waiting.id, now=clock())
    assert (job.status, job.next_try, job.finished, job.result_text) == (
        "canceled", None, T0, "canceled by 101")
    sender.tick()
    assert originates(link.switch) == [] and FaxAttempt.select().count() == 0
    with pytest.raises(ValidationError, match="is not waiting to be sent"):
        fax.cancel(ext("101"), waiting.id)  # once
    assert fax.resend(ext("101"), waiting.id, now=clock()).status == "queued"
    sender.tick()
    assert len(originates(link.switch)) == 1


def test_a_disabled_extension_sends_no_fax_and_its_queued_ones_fail(
        sender, link, config, clock):
    waiting = queued(config, clock)
    Extension.update(enabled=False).where(Extension.number == "101").execute()
    with pytest.raises(ValidationError, match="extension 101 is disabled: it sends no faxes"):
        queued(config, clock)
    sender.tick()
    row = FaxJob.get_by_id(waiting.id)
    assert (row.status, row.result_text) == ("failed", "the sender's extension is disabled")
    assert originates(link.switch) == []
    with pytest.raises(ValidationError, match="is disabled"):
        fax.resend(ext("101"), waiting.id)


def test_resend_counts_against_the_faxes_waiting(office, config, clock, monkeypatch):
    failed = queued(config, clock)
    FaxJob.update(status="failed").where(FaxJob.id == failed.id).execute()
    monkeypatch.setattr(fax, "MAX_PENDING", 1)
    queued(config, clock)
    with pytest.raises(ValidationError, match="has 1 faxes waiting to be sent already"):
        fax.resend(ext("101"), failed.id)
    assert FaxJob.get_by_id(failed.id).status == "failed"


def test_a_fax_with_no_number_asks_for_one(office, config, clock):
    with pytest.raises(ValidationError, match="^enter the fax number to send to$"):
        queued(config, clock, number=" ")


def test_a_fax_whose_call_is_out_cannot_be_canceled(sender, link, config, clock):
    job = queued(config, clock)
    sender.tick()
    with pytest.raises(ValidationError, match="is not waiting to be sent"):
        fax.cancel(ext("101"), job.id)
    assert FaxJob.get_by_id(job.id).status == "sending"


# Receiving.

@pytest.fixture
def fax_number(office):
    return fax_numbers.assign(ext("102"), "5550100")


def received_tiff(config, uuid, pages):
    document = fax_document([page_png()] * pages, resolution="standard")
    path = config.media_folder / "fax" / "received" / f"{uuid}.tif"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(document.tiff)


def test_a_received_fax_lands_in_the_owners_log_as_a_pdf(sender, link, config, fax_number):
    uuid = "aaaaaaaa-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 2)
    emitted(link, sender, event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                                domain_name="pbx.local"))
    (job,) = FaxJob.select().where(FaxJob.direction == "received")
    assert (job.extension.number, job.status, job.pages, job.pages_transferred,
            job.fax_number, job.call_uuid) == ("102", "received", 2, 2, "5550100", uuid)
    pdf = fax.pdf_file(job, config.media_folder).read_bytes()
    assert fax_document([Upload("received.pdf", pdf)]).pages == 2  # Ghostscript reads it
    # The record of the same call adds nothing.
    emitted(link, sender, event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                                domain_name="pbx.local"))
    assert FaxJob.select().where(FaxJob.direction == "received").count() == 1


def test_a_reception_told_twice_at_the_same_moment_is_logged_and_emailed_once(
        config, fax_number):
    Extension.update(email="bob@example.com").where(Extension.number == "102").execute()
    uuid = "abababab-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 2)
    found = fax_report(event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                             domain_name="pbx.local"))
    # The event and the call record, each in its own greenlet: the first makes the PDF in
    # the thread pool while the second comes in.
    told = [gevent.spawn(fax.report, found, config.media_folder) for _ in range(2)]
    gevent.joinall(told, raise_error=True)
    assert sorted(bool(greenlet.value) for greenlet in told) == [False, True]
    assert FaxJob.select().where(FaxJob.direction == "received").count() == 1
    assert len(outbox.listing(ext("102").domain)) == 1


def test_a_reception_whose_first_report_fails_is_logged_by_the_second(
        config, fax_number, monkeypatch):
    """The event's logging fails (the disk full as its PDF is written) while the call's
    record waits for it: the record logs the fax, rather than being answered as a repeat
    and the fax lost."""
    uuid = "acacacac-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 2)
    found = fax_report(event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                             domain_name="pbx.local"))
    real_replace, failures = os.replace, []

    def full_once(source, target):
        if str(target).endswith(".pdf") and not failures:
            failures.append(target)
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", full_once)
    event_told = gevent.spawn(fax.report, found, config.media_folder)
    record_told = gevent.spawn(fax.report, found, config.media_folder)
    gevent.joinall([event_told, record_told])
    assert isinstance(event_told.exception, OSError) and failures
    assert record_told.successful() and record_told.value.status == "received"
    (job,) = FaxJob.select().where(FaxJob.direction == "received")
    assert fax.pdf_file(job, config.media_folder) is not None


def test_a_reception_whose_first_report_is_stopped_is_logged_by_the_second(
        config, fax_number):
    """The event's greenlet is killed (serve stopping its fax sender) while it makes the
    PDF: the call's record, waiting for it, logs the fax."""
    uuid = "adadadad-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 2)
    found = fax_report(event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                             domain_name="pbx.local"))
    event_told = gevent.spawn(fax.report, found, config.media_folder)
    record_told = gevent.spawn(fax.report, found, config.media_folder)
    gevent.sleep(0)  # both under way: the event's in the thread pool, the record waiting
    event_told.kill()
    record_told.join(timeout=10)
    assert record_told.successful() and record_told.value.status == "received"
    assert FaxJob.select().where(FaxJob.direction == "received").count() == 1


def test_a_failed_reception_is_logged_with_its_reason(sender, link, config, fax_number, caplog):
    uuid = "bbbbbbbb-2222-3333-4444-555555555555"
    with caplog.at_level(logging.WARNING):
        emitted(link, sender, event("dropped_rxfaxresult", uuid, switchctl_fax_number="5550100",
                                    domain_name="pbx.local"))
    (job,) = FaxJob.select().where(FaxJob.direction == "received")
    assert (job.status, job.pdf_path, job.result_text) == (
        "failed", "", "The call dropped prematurely")
    assert "fax received on 5550100 for extension 102" in caplog.text


def test_a_reception_on_a_number_no_longer_a_fax_number_is_kept_aside(
        sender, link, config, fax_number, caplog):
    FaxNumber.delete().execute()
    emitted(link, sender, event("sent_2_pages_rxfaxresult", "cccccccc-2222-3333-4444-555555555555",
                                switchctl_fax_number="5550100", domain_name="pbx.local"))
    assert FaxJob.select().count() == 0
    assert "no longer a fax number" in caplog.text


# The log.

def test_the_log_lists_each_outcome_newest_first_and_searches_by_date(
        sender, link, config, clock, fax_number):
    first = queued(config, clock)
    clock.advance(days=1)
    second = queued(config, clock)
    sender.tick()
    emitted(link, sender, event("sent_2_pages_txfaxresult", attempt_uuid(first), first.id))
    rows, more = fax.log_of(ext("101").domain, ext("101"))
    assert [(row.id, row.status) for row in rows] == [(second.id, "sending"), (first.id, "sent")]
    assert not more
    assert str(rows[1]).startswith(f"{first.id}\t101\tsent\t2026-03-02 09:00\t95550100\tsent\t2/1")
    only_first_day, _ = fax.log_of(ext("101").domain, start=T0.date(), end=T0.date())
    assert [row.id for row in only_first_day] == [first.id]
    assert fax.log_of(ext("101").domain, direction="received") == ([], False)
    assert fax.log_of(ext("101").domain, ext("102")) == ([], False)
    assert [row.id for row in fax.log_of(ext("101").domain, per_page=1)[0]] == [second.id]
    assert fax.log_of(ext("101").domain, per_page=1, page=2) == ([rows[1]], False)


def test_attempts_are_kept_per_try(sender, link, config, clock):
    job = queued(config, clock)
    sender.tick()
    assert [(a.result, a.started) for a in FaxAttempt.select()] == [("calling", T0)]
    assert job.id == FaxAttempt.get().job_id


def test_a_fax_to_one_of_our_own_fax_numbers_is_delivered_without_a_call(
        sender, link, config, clock, fax_number):
    Extension.update(email="bob@example.com").where(Extension.number == "102").execute()
    sent = fax.submit(ext("101"), "5550100", [page_png()] * 2, config.media_folder,
                      now=clock())
    assert (sent.status, sent.pages, sent.pages_transferred, sent.destination,
            sent.result_text) == ("sent", 2, 2, "5550100", "delivered to fax number 5550100")
    (received,) = FaxJob.select().where(FaxJob.direction == "received")
    assert (received.extension.number, received.status, received.pages, received.fax_number,
            received.remote_number) == ("102", "received", 2, "5550100", "101")
    pdf = fax.pdf_file(received, config.media_folder)
    assert pdf != fax.pdf_file(sent, config.media_folder)  # a copy of its own
    assert fax_document([Upload("received.pdf", pdf.read_bytes())]).pages == 2
    (listed,) = outbox.listing(received.domain)
    assert (listed.mailbox, listed.fax_id) == ("102", received.id)
    sender.tick()
    assert originates(link.switch) == []
    assert [row.status for row in fax.log_of(ext("101").domain, ext("101"))[0]] == ["sent"]


def test_a_received_fax_is_emailed_to_its_owner_as_a_pdf(sender, link, config, fax_number,
                                                         tmp_path):
    Extension.update(email="bob@example.com").where(Extension.number == "102").execute()
    uuid = "dddddddd-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 2)
    emitted(link, sender, event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                                domain_name="pbx.local"))
    job = FaxJob.get(FaxJob.direction == "received")
    smtp = SmtpServer(tmp_path / "mail").start()
    try:
        mailer = Mailer(config.with_changes(smtp_url=smtp.url()))
        assert mailer.tick() == 1
        [(facts, mail)] = smtp.received()
    finally:
        smtp.stop()
    assert facts["rcpt_tos"] == ["bob@example.com"]
    assert mail["Subject"] == "Fax from 2000 for 102 (2 pages)"
    assert "arrived on 5550100" in mail.get_body(("plain",)).get_content()
    [attachment] = mail.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_content() == fax.pdf_file(job, config.media_folder).read_bytes()
    (listed,) = outbox.listing(job.domain)
    assert (listed.mailbox, listed.fax_id, listed.status) == ("102", job.id, "sent")


def test_a_fax_is_not_emailed_to_an_owner_without_an_address(sender, link, config, fax_number):
    uuid = "eeeeeeee-2222-3333-4444-555555555555"
    received_tiff(config, uuid, 1)
    emitted(link, sender, event("sent_2_pages_rxfaxresult", uuid, switchctl_fax_number="5550100",
                                domain_name="pbx.local"))
    assert FaxJob.get(FaxJob.direction == "received").status == "received"
    assert outbox.listing(ext("102").domain) == []
