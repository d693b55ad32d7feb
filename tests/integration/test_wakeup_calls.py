"""Wake-up calls on the real switch: ``*55*MMDDHHMM`` books one and the switch says the
time back (mod_say_en reading the flow's date); one booked a few seconds ahead is rung:
switchctl serve's ringer sends ``bgapi originate`` on the inbound event socket, the switch
rings the extension's registered phone, which answers and presses 1 (RFC 2833 over RTP),
and the wake-up flow stores the attempt as acknowledged."""

import datetime
import time

import pytest

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.models import Domain, Extension
from switchctl.services import wakeup
from tests.integration.conftest import fs_password
from tests.integration.media_phones import (
    SwitchEvents,
    answering_phone,
    executing,
    key_presses,
    staying_call,
)
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_voicemail_calls import no_channel_left
from tests.servers.freeswitch import esl_api

pytestmark = pytest.mark.integration

SLEEPER = "105"
AHEAD = datetime.timedelta(seconds=3)  # how far ahead the call is booked
CALLS = "SELECT status, outcome, attempts FROM wakeup_call WHERE id = ?"
ATTEMPTS = "SELECT uuid, result, detail FROM wakeup_attempt WHERE call_id = ? ORDER BY id"


@pytest.fixture(scope="module", autouse=True)
def _own_switch(freeswitch):
    """The wake-up flow needs the session's own switch: its stand-in prompts and its
    vars.xml switchctl_socket pointing at serve (a switch of your own: see conftest.py)."""
    if freeswitch is None:
        pytest.skip("wake-up calls need the session's own FreeSWITCH (stand-in prompts, "
                    "switchctl_socket at serve), not SWITCHCTL_TEST_FS_ESL")


def book(served, number, at):
    """A wake-up call for ``number`` booked in the served database, at ``at`` (naive
    UTC: to the second)."""
    def work():
        extension = (Extension.select().join(Domain)
                     .where(Domain.name == "pbx.local", Extension.number == number).get())
        return wakeup.book(extension, at).id
    return in_domain(served, work)


def in_domain(served, work):
    """``work()`` on the served database (another process, as the CLI would)."""
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(served.data)}).database)
    try:
        with db.connection_context():
            return work()
    finally:
        db.close()


def test_star_55_books_a_wakeup_call_and_the_switch_says_its_time(
        served, sip_address, fs_address, freeswitch):
    """103 dials *55*12251430: booked for the next 25 December at 14:30 (the domain's
    zone: the machine's), and the switch says "Friday, December twenty-fifth, ... at two
    thirty p-m" from the words of its stand-in sounds."""
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ("CHANNEL_EXECUTE", "CHANNEL_HANGUP_COMPLETE"))
    since = freeswitch.log_size()
    caller = staying_call(sip_address, "103", served["103"], "*55*12251430")
    try:
        said = events.next(executing("say"), timeout=15, what="the time said back")
        uuid = said["Unique-ID"]
        assert said["Application-Data"].startswith("en current_date_time pronounced '")
        events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                    and e["Unique-ID"] == uuid, timeout=15, what="the hang-up")
        assert caller.wait() == 0
    finally:
        caller.stop()
        events.close()
    booked = served.rows("SELECT wakeup_call.id, at, status FROM wakeup_call JOIN extension "
                         "ON extension.id = extension_id WHERE extension.number = '103'")
    assert len(booked) == 1 and booked[0][2] == "scheduled", booked
    local = datetime.datetime.fromisoformat(booked[0][1]).replace(
        tzinfo=datetime.timezone.utc).astimezone()  # the machine's zone
    assert (local.month, local.day, local.hour, local.minute) == (12, 25, 14, 30)
    words = [line for line in freeswitch.log_lines(since=since, limit=10000)
             if line.startswith(uuid) and "done playing file file_string://" in line]
    assert any("time/mon-11.wav!digits/20.wav!digits/h-5.wav" in line  # December 25th
               and "time/at.wav!digits/2.wav!digits/30.wav!time/p-m.wav" in line
               for line in words), words
    in_domain(served, lambda: wakeup.cancel_by_id(
        Domain.get(Domain.name == "pbx.local"), booked[0][0]))
    assert not no_channel_left(fs_address)


def wait_for(probe, seconds=10):
    deadline = time.monotonic() + seconds
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


@pytest.mark.parametrize("presses", [15, 1], ids=["pressing again and again", "pressing once"])
def test_a_wakeup_call_rings_the_phone_and_its_key_acknowledges_it(
        served, sip_address, fs_address, tmp_path, presses):
    """The phone presses 1 every second from the moment it answers (a press made while
    the flow is not yet asking is followed by another), or only once, right then: that
    press comes while "this is your wakeup call" plays, which must not swallow it."""
    esl_api(fs_address.host, fs_address.port, fs_password(),
            f"sofia profile internal flush_inbound_reg {SLEEPER}@pbx.local")
    port = free_udp_port()
    assert register(sip_address, SLEEPER, served[SLEEPER], port)
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ("CHANNEL_EXECUTE", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB"))
    phone = answering_phone(key_presses(tmp_path / "press-1.pcap", "1", times=presses),
                            port=port)
    try:
        due = wakeup.utc_now() + AHEAD
        call_id = book(served, SLEEPER, due)
        flow = events.next(executing("socket"), timeout=AHEAD.seconds + 15,
                           what="the answered wake-up call reaching the socket application")
        uuid = flow["Unique-ID"]
        assert flow["variable_switchctl_flow"] == "wakeup_call"
        assert flow["variable_switchctl_wakeup_call"] == str(call_id)
        assert flow["Caller-Destination-Number"] == SLEEPER or \
            flow["Caller-Callee-ID-Number"] == SLEEPER, flow
        placed = time.time()
        ended = events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                            and e["Unique-ID"] == uuid, timeout=20, what="the call's end")
        assert ended["Hangup-Cause"] == "NORMAL_CLEARING"
        job = events.next(lambda e: e["Event-Name"] == "BACKGROUND_JOB"
                          and e["Job-Command"] == "originate", timeout=5,
                          what="the originate's result", earlier=True)
        assert job.body.startswith(f"+OK {uuid}"), job.body
        assert phone.wait() == 0  # answered, and the switch hung up
    finally:
        phone.stop()
        events.close()
        register(sip_address, SLEEPER, served[SLEEPER], port, expires=0)
    assert placed - due.replace(tzinfo=datetime.timezone.utc).timestamp() < 3
    assert wait_for(lambda: served.rows(CALLS, call_id) == [("done", "acknowledged", 1)]), \
        served.rows(CALLS, call_id)
    assert served.rows(ATTEMPTS, call_id) == [(uuid, "acknowledged", "answered")]
    assert not no_channel_left(fs_address)
