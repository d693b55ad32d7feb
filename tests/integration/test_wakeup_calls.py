"""A wake-up call on the real switch: booked a few seconds ahead, switchctl serve's ringer
sends ``bgapi originate`` on the inbound event socket, the switch rings the extension's
registered phone, which answers and presses 1 (RFC 2833 over RTP), and the wake-up flow
stores the attempt as acknowledged."""

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
)
from tests.integration.sip_phones import free_udp_port, register
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
    """A wake-up call for ``number`` booked in the served database (another process,
    as the CLI or the portal would), at ``at`` (naive UTC: to the second)."""
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(served.data)}).database)
    try:
        with db.connection_context():
            extension = (Extension.select().join(Domain)
                         .where(Domain.name == "pbx.local", Extension.number == number).get())
            return wakeup.book(extension, at).id
    finally:
        db.close()


def wait_for(probe, seconds=10):
    deadline = time.monotonic() + seconds
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def test_a_wakeup_call_rings_the_phone_and_its_key_acknowledges_it(
        served, sip_address, fs_address, tmp_path):
    esl_api(fs_address.host, fs_address.port, fs_password(),
            f"sofia profile internal flush_inbound_reg {SLEEPER}@pbx.local")
    port = free_udp_port()
    assert register(sip_address, SLEEPER, served[SLEEPER], port)
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ("CHANNEL_EXECUTE", "CHANNEL_HANGUP_COMPLETE", "BACKGROUND_JOB"))
    # The phone presses 1 every second from the moment it answers: a press made while
    # the flow is not yet asking is followed by another.
    phone = answering_phone(key_presses(tmp_path / "press-1.pcap", "1"), port=port)
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
