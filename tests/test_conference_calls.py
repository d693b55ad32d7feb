"""Conference rooms (manual §2.8) on the fake switch and on real requests: dialling a room
hands the call to the PIN flow (its exact commands for right, wrong, three wrong and no
PINs, and a hang-up at each step); the ``conference`` context joins a room with the role
its destination says; ``*0`` (ad-hoc) and the admin's ``0`` (invite) as in-call steps;
the member list read from a real ``conference ... json_list``."""

import gevent
import pytest

from switchctl.esl.conference_members import (Member, SwitchUnavailable, parse_json_list,
                                              room_members)
from switchctl.freeswitch import prompts
from switchctl.ivr import FlowContext
from switchctl.models import Domain
from switchctl.services import blacklist, conferences
from tests.builders.captures import payload, xml_curl_body
from tests.builders.dialplan import DIALPLAN, actions, steps_of
from tests.builders.dialplan import call as dialplan_call
from tests.builders.in_call import CALLEE_UUID, CALLER_UUID, SELF_RECORD, pressed
from tests.clients.xml_curl import parsed, post
from tests.fakes.fake_switch import FakeCall, FakeSwitch
from tests.servers.flows import flow_server

ANSWER, HANGUP = ("answer", ""), ("hangup", "NORMAL_CLEARING")
PIN = ("play_and_get_digits", f"1 8 1 5000 # {prompts.CONF_PIN} {prompts.NO_PROMPT} "
                              "switchctl_collected ^\\d{1,8}$ 3000")
BAD = ("playback", prompts.CONF_BAD_PIN)
GOODBYE = ("playback", prompts.GOODBYE)
MODERATOR = ("transfer", "moderator-800 XML conference")
MEMBER = ("transfer", "member-800 XML conference")


@pytest.fixture
def room(office):
    return conferences.add_room(office, "800", "1234", "5678", name="Board")


@pytest.fixture
def open_room(office):
    return conferences.add_room(office, "810", "4321")  # no user PIN


@pytest.fixture
def server(config, office):
    running = flow_server(FlowContext(config))
    yield running
    running.stop()


def place(server, room, digits=(), **options):
    answered = FakeCall(server.port, {"switchctl_flow": "conference_room",
                                      "switchctl_conference_room": room.id}, digits=digits,
                        **options)
    worker = gevent.spawn(answered.run)
    assert answered.done.wait(timeout=10)
    worker.join(timeout=5)
    server.ended.get(timeout=10)
    return answered


# Dialling a room

def test_dialling_a_room_hands_the_call_to_the_pin_flow(client, room):
    assert steps_of(client, dialplan_call("101", "800")) == [
        ("multiset", f"switchctl_flow=conference_room switchctl_conference_room={room.id}"),
        ("socket", "${switchctl_socket} async full")]


def test_rooms_are_read_per_call_and_per_domain(client, room):
    conferences.update_room(room, number="801")
    refused = steps_of(client, dialplan_call("101", "800"))
    assert refused[-1] == ("hangup", "UNALLOCATED_NUMBER")
    assert steps_of(client, dialplan_call("101", "801"))[-1][0] == "socket"
    other = Domain.create(name="other.example")
    conferences.add_room(other, "820", "9999")
    assert steps_of(client, dialplan_call("101", "820"))[-1] == ("hangup", "UNALLOCATED_NUMBER")


# The PIN flow

@pytest.mark.parametrize("pin, joined", [("1234", MODERATOR), ("5678", MEMBER)])
def test_the_admin_pin_joins_as_moderator_the_user_pin_as_member(server, room, pin, joined):
    flow = place(server, room, digits=[pin])
    assert flow.executed == [ANSWER, PIN, joined]


def test_two_wrong_pins_then_the_right_one(server, room):
    flow = place(server, room, digits=["1111", "", "5678"])
    assert flow.executed == [ANSWER, PIN, BAD, PIN, BAD, PIN, MEMBER]


def test_three_wrong_pins_end_the_call(server, room):
    flow = place(server, room, digits=["1111", "12345678", "4"])
    assert flow.executed == [ANSWER, PIN, BAD, PIN, BAD, PIN, BAD, GOODBYE, HANGUP]


def test_a_room_without_a_user_pin_lets_in_who_enters_nothing(server, open_room):
    member = place(server, open_room, digits=[""])
    assert member.executed == [ANSWER, PIN, ("transfer", "member-810 XML conference")]
    admin = place(server, open_room, digits=["4321"])
    assert admin.executed == [ANSWER, PIN, ("transfer", "moderator-810 XML conference")]
    wrong = place(server, open_room, digits=["1234", "", ""])
    assert wrong.executed == [ANSWER, PIN, BAD, PIN, ("transfer", "member-810 XML conference")]


def test_a_pin_changed_counts_for_the_next_caller(server, room):
    conferences.update_room(room, user_pin="2468")
    flow = place(server, room, digits=["5678", "2468"])
    assert flow.executed == [ANSWER, PIN, BAD, PIN, MEMBER]


@pytest.mark.parametrize("step, done", [(0, [ANSWER]), (1, [ANSWER, PIN]),
                                        (2, [ANSWER, PIN, BAD]),
                                        (6, [ANSWER, PIN, BAD, PIN, BAD, PIN, BAD])])
def test_hanging_up_at_each_step_ends_the_flow_there(server, room, step, done):
    flow = place(server, room, digits=["1", "2", "3"], hang_up_at=step)
    assert flow.executed == done


def test_a_room_removed_meanwhile_gets_the_error_prompt(server, room):
    room_id = room.id
    conferences.remove_room(room)
    flow = place(server, type("Gone", (), {"id": room_id}))
    assert ("playback", prompts.ERROR) in flow.executed
    assert not any(app == "transfer" for app, _ in flow.executed)


# The conference context

def conference_request(destination, uuid=CALLER_UUID):
    return xml_curl_body(DIALPLAN, **{
        "Hunt-Destination-Number": destination, "Caller-Destination-Number": destination,
        "Hunt-Context": "conference", "Caller-Context": "conference", "Unique-ID": uuid,
        "variable_user_name": "101", "variable_domain_name": "pbx.local"})


@pytest.mark.parametrize("destination, data", [
    ("moderator-800", "800-pbx.local@default+flags{moderator}"),
    ("member-800", "800-pbx.local@default"),
    (f"adhoc-{CALLER_UUID}", f"adhoc-{CALLER_UUID}@default+flags{{moderator}}"),
    (f"adhoc-{CALLEE_UUID}", f"adhoc-{CALLEE_UUID}@default"),
])
def test_the_conference_context_joins_with_the_role_of_its_destination(
        client, room, destination, data):
    assert steps_of(client, conference_request(destination)) == [ANSWER, ("conference", data)]


def test_the_conference_context_refuses_unknown_rooms_and_destinations(client, room):
    assert steps_of(client, conference_request("member-899")) == [
        ("playback", prompts.CANNOT_COMPLETE)]
    for destination in ("800", "moderator-800;x", "adhoc-${x}", "moderator-"):
        root = parsed(post(client, conference_request(destination)))
        assert root.xpath("//result/@status") == ["not found"], destination


# *0: an ad-hoc room

def in_call(client, key, **variables):
    return steps_of(client, pressed(SELF_RECORD, digits="*0", key=key, **variables))


def test_star_0_asks_the_initiator_for_a_pin_then_moves_both(client, office):
    assert in_call(client, "conference_adhoc") == [
        ("play_and_get_digits", f"3 8 3 5000 # {prompts.CONF_PIN} {prompts.INVALID_ENTRY} "
                                "switchctl_conference_pin ^\\d{3,8}$ 3000"),
        ("execute_extension", "conference_adhoc_move XML in_call")]
    assert in_call(client, "conference_adhoc_move", switchctl_conference_pin="2580") == [
        ("transfer", f"-both adhoc-{CALLER_UUID} XML conference")]


@pytest.mark.parametrize("pin", ["", "12", "123456789", "12a4"])
def test_star_0_without_a_valid_pin_leaves_the_call_as_it_was(client, office, pin):
    assert in_call(client, "conference_adhoc_move", switchctl_conference_pin=pin) == [
        ("playback", prompts.CONF_BAD_PIN)]


def test_star_0_without_another_party_is_refused(client, office):
    body = pressed(SELF_RECORD, digits="*0", key="conference_adhoc", bridge_uuid=None,
                   signal_bond=None, **{"Other-Leg-Unique-ID": None})
    body = body.replace(b"Other-Leg-Unique-ID=", b"Ignored-Leg=")
    assert steps_of(client, body) == [("playback", prompts.INVALID_ENTRY)]


# The admin's 0: inviting

IN_ROOM = {"conference_name": "800-pbx.local"}
DIAL = ("play_and_get_digits", f"2 20 1 8000 # {prompts.DIAL_TONE} {prompts.INVALID_ENTRY} "
                               "switchctl_invite_number ^\\+?\\d{2,20}$ 3000")


def invited(steps):
    """The invitee's uuid from the answer, and the answer with it named INVITEE."""
    (bridge,) = [data for app, data in steps if app == "bridge"]
    uuid = bridge.split("origination_uuid=", 1)[1].split(",", 1)[0]
    return uuid, [(app, data.replace(uuid, "INVITEE")) for app, data in steps]


def test_zero_reads_the_number_to_invite(client, room):
    assert in_call(client, "conference_invite", **IN_ROOM) == [
        DIAL, ("execute_extension", "conference_invite_dial XML in_call")]
    assert in_call(client, "conference_invite") == [("playback", prompts.INVALID_ENTRY)]
    assert in_call(client, "conference_invite", conference_name="800-other.example") == [
        ("playback", prompts.INVALID_ENTRY)]


def test_the_invitee_rings_with_star_star_to_bring_in_and_star_hash_to_cancel(client, room):
    steps = in_call(client, "conference_invite_dial", switchctl_invite_number="102", **IN_ROOM)
    uuid, named = invited(steps)
    assert len(uuid) == 36
    assert named == [
        ("multiset", "hangup_after_bridge=false continue_on_fail=true "
                     "bind_digit_digit_timeout=2000"),
        ("clear_digit_action", "switchctl_invite"),
        ("bind_digit_action", "switchctl_invite,**,api:uuid_transfer,INVITEE member-800 XML "
                              "conference,self,self"),
        ("bind_digit_action", "switchctl_invite,*#,api:uuid_kill,INVITEE,self,self"),
        ("digit_action_set_realm", "switchctl_invite"),
        ("export", "force_transfer_context=default"),
        ("bridge", "{origination_uuid=INVITEE,leg_timeout=30}user/102@pbx.local"),
        ("clear_digit_action", "switchctl_invite")]


def test_an_ad_hoc_rooms_invitee_joins_that_room(client, office):
    steps = in_call(client, "conference_invite_dial", switchctl_invite_number="102",
                    conference_name=f"adhoc-{CALLEE_UUID}")
    _, named = invited(steps)
    assert named[2] == ("bind_digit_action", f"switchctl_invite,**,api:uuid_transfer,INVITEE "
                                             f"adhoc-{CALLEE_UUID} XML conference,self,self")


@pytest.mark.parametrize("number, prompt", [
    ("101", prompts.INVALID_ENTRY),  # oneself
    ("1${x}", prompts.INVALID_ENTRY),
    ("", prompts.INVALID_ENTRY),
    ("555", prompts.CANNOT_COMPLETE),  # nobody
])
def test_an_invite_refused_plays_a_prompt_and_returns_to_the_room(client, room, number,
                                                                  prompt):
    assert in_call(client, "conference_invite_dial", switchctl_invite_number=number,
                   **IN_ROOM) == [("playback", prompt)]


def test_an_outside_invite_needs_the_admins_outbound_rights(client, office, room, monkeypatch):
    from switchctl.xml_curl import routing
    monkeypatch.setattr(routing, "trunk", lambda domain, number: ("carrier", number[1:]))
    steps = in_call(client, "conference_invite_dial", switchctl_invite_number="90612345678",
                    **IN_ROOM)
    assert invited(steps)[1][6] == (
        "bridge", "{origination_uuid=INVITEE,leg_timeout=30}sofia/gateway/carrier/0612345678")
    blacklist.add(office, "0612345678")
    assert in_call(client, "conference_invite_dial", switchctl_invite_number="90612345678",
                   **IN_ROOM) == [("playback", prompts.NOT_PERMITTED)]


# The member list

def test_the_member_list_of_a_real_json_list():
    found = parse_json_list(payload("conference/json_list_two_members.json").decode())
    assert [(m.number, m.moderator, m.muted) for m in found] == [
        ("102", False, False), ("101", True, False)]
    assert all(isinstance(m, Member) and m.uuid and m.id > 0 for m in found)


def test_the_member_list_of_no_room_and_of_garbage():
    assert parse_json_list("-ERR Conference 800-pbx.local not found\n") == []
    assert parse_json_list('{"members": 1}') == parse_json_list("[1, {\"members\": 2}]") == []


def test_room_members_asks_the_switch_for_the_rooms_name():
    asked = []
    assert room_members(lambda cmd: asked.append(cmd) or "[]", "800", "pbx.local") == []
    assert asked == ["conference 800-pbx.local json_list"]
    with pytest.raises(SwitchUnavailable):
        room_members(lambda cmd: None, "800", "pbx.local")


# switchctl conference members ROOM

@pytest.fixture
def switch(monkeypatch):
    listed = payload("conference/json_list_two_members.json").decode()
    fake = FakeSwitch(answers={"conference 800-pbx.local json_list": listed})
    fake.start()
    monkeypatch.setenv("SWITCHCTL_ESL", f"127.0.0.1:{fake.port}")
    yield fake
    fake.stop()


def test_the_command_lists_who_is_in_the_room(run, room, switch):
    assert run("conference", "members", "800") == (
        "102\t102\t-\t0 s\n"
        "101\t101\tmoderator\t1 s\n")
    assert "api conference 800-pbx.local json_list" in switch.commands


def test_the_command_says_an_empty_room_and_refuses_unknown_rooms(run, room, switch):
    switch.answers["conference 800-pbx.local json_list"] = \
        "-ERR Conference 800-pbx.local not found\n"
    assert run("conference", "members", "800") == "room 800: nobody\n"
    assert run("conference", "members", "899", code=1) == "there is no conference room 899"


def test_the_command_without_the_switch_says_so(run, room, monkeypatch):
    monkeypatch.setenv("SWITCHCTL_ESL", "127.0.0.1:9")
    assert run("conference", "members", "800", code=1).startswith(
        "cannot list room 800: cannot reach the switch at 127.0.0.1:9")


# conference.conf.xml (a static file of freeswitch-conf)

def test_the_conference_profile_gives_keys_tones_and_the_admins_invite():
    from pathlib import Path

    from lxml import etree

    from switchctl.xml_curl import conferences as dialplan_conferences
    from switchctl.xml_curl import in_call as in_call_context

    conf = etree.parse(str(Path(__file__).parent.parent / "freeswitch-conf" /
                           "autoload_configs" / "conference.conf.xml"))
    params = {p.get("name"): p.get("value")
              for p in conf.xpath("//profile[@name='default']/param")}
    assert dialplan_conferences.PROFILE == "default"
    assert params["caller-controls"] == "default" and params["moderator-controls"] == "moderator"
    assert params["enter-sound"].startswith("tone_stream://")
    assert params["exit-sound"].startswith("tone_stream://")

    def keys(group):
        return {c.get("digits"): (c.get("action"), c.get("data"))
                for c in conf.xpath(f"//caller-controls/group[@name='{group}']/control")}
    member, moderator = keys("default"), keys("moderator")
    assert member["0"] == ("mute", None) and member["#"] == ("hangup", None)
    assert moderator["*"] == ("mute", None) and moderator["#"] == ("hangup", None)
    action, data = moderator["0"]
    application, key, _, context = data.split(" ")
    assert (action, application, context) == ("execute_application", "execute_extension",
                                              "in_call")
    assert in_call_context.HANDLERS[key] is dialplan_conferences.invite


def test_a_planted_room_name_is_not_believed(client, room):
    """A browser may plant a second conference_name (a variable named with ``&``): the
    name then counts as none, and nobody is invited into room 800 from another room."""
    body = pressed(SELF_RECORD, digits="0", key="conference_invite_dial",
                   switchctl_invite_number="102", conference_name=f"adhoc-{CALLEE_UUID}")
    body += b"&variable_conference_name=800-pbx.local"
    assert actions(parsed(post(client, body))) == [("playback", prompts.INVALID_ENTRY)]


def test_a_phones_refer_into_the_conference_context_is_refused(client, room):
    body = dialplan_call("101", "moderator-800", context="conference",
                         sip_refer_to="<sip:moderator-800@pbx.local>")
    steps = steps_of(client, body)
    assert ("playback", prompts.NOT_PERMITTED) in steps
    assert not any(app == "conference" for app, _ in steps)
