"""Conference rooms on the real switch: room 800 (admin PIN 1234, user PIN 5678) added
to the served database (no reloadxml); 101 dials it and enters the admin PIN, 102 the
user PIN; the room lists both, 101 as its moderator (esl/conference_members on the
switch's ``conference ... json_list``). And ``*0`` in a call making an ad-hoc room."""

import json
import os
import time

import pytest

from switchctl.esl.conference_members import members, parse_json_list
from switchctl.services import conferences
from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import answering_phone, staying_call, talking_call
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_recording_calls import bridged_legs
from tests.integration.test_voicemail_calls import no_channel_left
from tests.integration.test_wakeup_calls import in_domain

pytestmark = pytest.mark.integration
ROOM = "800-pbx.local"


@pytest.fixture(scope="module")
def phone_102():
    """One port for 102's answering phone in this module: with a new port each test, the
    invite once rang a contact of 102 where no phone listened any more (USER_NOT_REGISTERED
    for the one, NORMAL_TEMPORARY_FAILURE for the other) and the test failed."""
    return free_udp_port()


def leg_of(esl, number, seconds=10, direction="inbound"):
    """The uuid of ``number``'s leg once it is answered (inbound: its call to us; outbound:
    the leg the switch rang it on)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = json.loads(api(esl, "show channels as json")).get("rows") or []
        for row in rows:
            ours = row.get("cid_num") == number if direction == "inbound" else \
                row.get("dest") == number or f"/{number}@" in row.get("name", "")
            if ours and row.get("direction") == direction and row.get("callstate") == "ACTIVE":
                return row["uuid"]
        time.sleep(0.1)
    raise AssertionError(f"{number}'s call was not answered")


def listed(esl, count, seconds=10, room=ROOM):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = parse_json_list(api(esl, f"conference {room} json_list"))
        if len(found) == count:
            return found
        time.sleep(0.2)
    raise AssertionError(f"the room never had {count} members")


def test_two_callers_entering_pins_are_both_in_the_room(served, sip_address, fs_address, esl):
    def add():
        from switchctl.models import Domain
        conferences.add_room(Domain.get(Domain.name == "pbx.local"), "800", "1234", "5678")
    in_domain(served, add)
    admin = staying_call(sip_address, "101", served["101"], "800")
    user = staying_call(sip_address, "102", served["102"], "800")
    try:
        for number, pin in (("101", "1234"), ("102", "5678")):
            uuid = leg_of(esl, number)
            time.sleep(0.5)  # the PIN prompt has begun (play_and_get_digits)
            assert api(esl, f"uuid_recv_dtmf {uuid} {pin}#").startswith("+OK")
        found = listed(esl, 2)
        raw = api(esl, f"conference {ROOM} json_list")
        capture = os.environ.get("SWITCHCTL_CAPTURE_CONFERENCE")
        if capture:
            with open(capture, "w") as out:
                out.write(raw)
        by_number = {member.number: member for member in found}
        assert set(by_number) == {"101", "102"}
        assert by_number["101"].moderator and not by_number["102"].moderator
        assert [m.number for m in members(fs_address, "800", "pbx.local",
                                          password=fs_password())] in (
            ["101", "102"], ["102", "101"])
    finally:
        api(esl, f"conference {ROOM} hup all")
        admin.stop()
        user.stop()
    assert not no_channel_left(fs_address, seconds=10)


def test_star_0_moves_both_parties_into_a_fresh_room(
        served, sip_address, fs_address, esl, phone_102):
    """101 calls 102, presses *0 and sets the PIN 2580: both are in adhoc-<101's leg>,
    101 its moderator; when they leave, the room is gone."""
    port = phone_102
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    callee = answering_phone(port=port)
    caller = talking_call(sip_address, "101", served["101"], "102", talk=8)
    room = ""
    try:
        calling, rung = bridged_legs(esl)
        assert api(esl, f"uuid_recv_dtmf {calling} ~*0").startswith("+OK")
        time.sleep(1)  # the PIN prompt has begun
        assert api(esl, f"uuid_recv_dtmf {calling} 2580#").startswith("+OK")
        room = f"adhoc-{calling}"
        found = listed(esl, 2, room=room)
        roles = {member.uuid: member.moderator for member in found}
        assert roles == {calling: True, rung: False}
    finally:
        if room:
            api(esl, f"conference {room} hup all")
        caller.stop()
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)
    assert "not found" in api(esl, f"conference {room} json_list")


def test_the_admins_0_invites_and_star_star_brings_the_invitee_in(
        served, sip_address, fs_address, esl, phone_102):
    """101 in room 810 (admin PIN) presses 0, dials 102 (a phone that answers), then **:
    102 is in the room as a member, 101 back in it as its moderator."""
    def add():
        from switchctl.models import Domain
        conferences.add_room(Domain.get(Domain.name == "pbx.local"), "810", "1357")
    in_domain(served, add)
    port = phone_102
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    callee = answering_phone(port=port)
    admin = staying_call(sip_address, "101", served["101"], "810")
    room = "810-pbx.local"
    try:
        uuid = leg_of(esl, "101")
        time.sleep(0.5)
        assert api(esl, f"uuid_recv_dtmf {uuid} 1357#").startswith("+OK")
        listed(esl, 1, room=room)
        assert api(esl, f"uuid_recv_dtmf {uuid} 0").startswith("+OK")
        time.sleep(1)  # the dial tone has begun
        assert api(esl, f"uuid_recv_dtmf {uuid} 102#").startswith("+OK")
        invitee = leg_of(esl, "102", direction="outbound")
        time.sleep(0.5)
        assert api(esl, f"uuid_recv_dtmf {uuid} ~**").startswith("+OK")
        found = listed(esl, 2, room=room)
        assert {m.uuid: m.moderator for m in found} == {uuid: True, invitee: False}
    finally:
        api(esl, f"conference {room} hup all")
        admin.stop()
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)
