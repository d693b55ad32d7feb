"""Parking on the real switch: 101 calls 102, 102 presses ``*4#`` (uuid_recv_dtmf with ``~``,
as a phone's keys): 101 is parked in slot 41 (mod_valet_parking's hold event; /status
lists it, parked by 102) and 102's leg ends; then

- 103 dials 41: the switch bridges 103 to 101 (the bridge event), or
- nobody comes: after the lot's wait (5 s here) the parked call rings 102 again.
"""

import json
import time
import urllib.request

import pytest

from switchctl.models import Domain
from switchctl.services import parking
from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import Phone, SwitchEvents, _caller, executing
from tests.integration.office_calls import silence_pcap
from tests.integration.test_wakeup_calls import in_domain

pytestmark = pytest.mark.integration
WAIT = 10


def valet(action, slot="41"):
    def match(event):
        return (event["Event-Subclass"] == "valet_parking::info" and event["Action"] == action
                and event["Valet-Extension"] == slot)
    return match


def parked_status(served):
    with urllib.request.urlopen(f"http://{served.switch}/status", timeout=5) as response:
        return json.load(response)["parked"]


@pytest.fixture
def valet_events(fs_address):
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ["CHANNEL_EXECUTE", "CHANNEL_BRIDGE", "CUSTOM", "valet_parking::info"])
    yield events
    events.close()


def park_101(office_call, valet_events, esl):
    place, _ = office_call
    _, caller, callee = place("stay_talking.xml")
    assert api(esl, f"uuid_recv_dtmf {callee} ~*4#").startswith("+OK")
    held = valet_events.next(valet("hold"), timeout=WAIT, what="101 parked in 41")
    assert held["Unique-ID"] == caller
    assert held["variable_valet_parking_orbit_exten"] == "102"
    return caller, callee


def test_a_call_parked_with_star_4_is_retrieved_from_slot_41(
        office_call, valet_events, esl, served, sip_address, tmp_path):
    caller, callee = park_101(office_call, valet_events, esl)
    deadline = time.monotonic() + WAIT
    while api(esl, f"uuid_exists {callee}") == "true" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert api(esl, f"uuid_exists {callee}") == "false"  # the parker was let go
    deadline = time.monotonic() + WAIT  # serve follows the same event on its own socket
    while not parked_status(served) and time.monotonic() < deadline:
        time.sleep(0.1)
    (shown,) = parked_status(served)
    assert (shown["slot"], shown["caller_number"], shown["parked_by"]) == ("41", "101", "102")
    pcap = silence_pcap(tmp_path / "retriever.pcap")
    retriever = Phone(_caller("stay_talking.xml", sip_address, "103", served["103"], "41",
                              "-key", "pcap", str(pcap)))
    try:
        bridged = valet_events.next(valet("bridge"), timeout=WAIT, what="41 retrieved")
        assert bridged["Unique-ID"] == caller
        valet_events.next(lambda e: e["Event-Name"] == "CHANNEL_BRIDGE"
                          and caller in (e["Bridge-A-Unique-ID"], e["Bridge-B-Unique-ID"]),
                          timeout=WAIT, what="103 bridged to 101")
        assert parked_status(served) == []
    finally:
        retriever.stop()


def test_a_parked_call_nobody_retrieves_rings_the_parker_again(
        office_call, valet_events, esl, served):
    def short_wait():
        parking.set_lot(Domain.get(Domain.name == "pbx.local"), seconds="5")
    in_domain(served, short_wait)
    try:
        caller, _ = park_101(office_call, valet_events, esl)
        valet_events.next(executing("bridge", caller, "user/102@pbx.local"), timeout=WAIT,
                          what="the parked call ringing 102 again")
    finally:
        in_domain(served, lambda: parking.set_lot(Domain.get(Domain.name == "pbx.local"),
                                                  seconds=str(parking.DEFAULT_SECONDS)))
