"""Extension state from FreeSWITCH's real events and tables."""

import pytest

from switchctl.esl import events
from switchctl.esl.extension_state import IDLE, IN_USE, UNAVAILABLE, ExtensionStates
from tests.builders.captures import DATA
from tests.builders.esl import api_body, event_headers


def test_captured_events_become_typed_values():
    assert events.from_headers(event_headers("CUSTOM_sofia__register")) == \
        events.Registered("1003@127.0.0.1", "sip:1003@127.0.0.1:5073")
    unregister = events.from_headers(event_headers("CUSTOM_sofia__unregister"))
    assert isinstance(unregister, events.Unregistered) and unregister.user.endswith("@127.0.0.1")
    assert isinstance(events.from_headers(event_headers("CUSTOM_sofia__expire")),
                      events.Unregistered)
    assert events.from_headers(event_headers("CHANNEL_CALLSTATE")) == events.CallState(
        "3f797751-8615-42f0-b800-3d3021009ef6", "1000@127.0.0.1", "RINGING", "inbound", "1000",
        "default")
    assert isinstance(events.from_headers(event_headers("CHANNEL_HANGUP_COMPLETE")),
                      events.ChannelGone)


@pytest.mark.parametrize("name", ["HEARTBEAT", "CUSTOM_sofia__pre_register", "DTMF", "API",
                                  "CUSTOM_verto__client_connect", "RE_SCHEDULE"])
def test_other_events_are_ignored(name):
    assert events.from_headers(event_headers(name)) is None


def test_a_browsers_verto_login_and_its_disconnect_are_a_contact_of_its_user():
    """The web phone is a phone of the extension: the real verto::login (a success) and
    verto::client_disconnect events register and unregister it as a contact."""
    contact = "verto:127.0.0.1:33638"
    assert events.from_headers(event_headers("CUSTOM_verto__login")) == \
        events.Registered("1000@127.0.0.1", contact)
    assert events.from_headers(event_headers("CUSTOM_verto__client_disconnect")) == \
        events.Unregistered("1000@127.0.0.1", contact)
    failed = {**event_headers("CUSTOM_verto__login"), "verto_success": "0",
              "verto_result_txt": "Authentication Failure"}
    assert events.from_headers(failed) is None
    for missing in ("verto_login", "verto_client_address"):
        headers = event_headers("CUSTOM_verto__login")
        headers.pop(missing)
        assert events.from_headers(headers) is None


def test_a_user_with_a_browser_is_idle_until_the_browser_and_the_phone_are_gone():
    states = ExtensionStates()
    user = "1000@127.0.0.1"
    states.apply(events.from_headers(event_headers("CUSTOM_verto__login")))
    assert states.state(user) == IDLE
    states.apply(events.Registered(user, "sip:1000@127.0.0.1:5070"))
    states.apply(events.from_headers(event_headers("CUSTOM_verto__client_disconnect")))
    assert states.state(user) == IDLE  # the desk phone is still there
    states.apply(events.Unregistered(user, "sip:1000@127.0.0.1:5070"))
    assert states.state(user) == UNAVAILABLE


def test_the_logged_in_browsers_are_read_from_the_real_verto_xmlstatus():
    body = (DATA.parent / "verto" / "verto_xmlstatus.txt").read_text()
    assert events.verto_logins_from_xml(body) == {"101@pbx.local": {"verto:127.0.0.1:42304"}}
    not_logged_in = body.replace("CONN_REG (WS)", "CONN_NO_REG (WS)")
    assert events.verto_logins_from_xml(not_logged_in) == {}
    for other in ("-ERR no reply\n", "", None, "<profiles>\n</profiles>\n"):
        assert events.verto_logins_from_xml(other) == {}


@pytest.mark.parametrize("headers", [{}, {"Event-Name": "CUSTOM"},
                                     {"Event-Name": "CUSTOM", "Event-Subclass": "sofia::register"},
                                     {"Event-Name": "CHANNEL_CALLSTATE", "Unique-ID": "x"}])
def test_events_missing_what_we_need_are_ignored(headers):
    assert events.from_headers(headers) is None


def test_resync_tables_from_the_captured_answers():
    registrations = events.registrations_from_json(api_body("api_show_registrations_as_json"))
    assert registrations == {"1003@127.0.0.1": {"sip:1003@127.0.0.1:5073"},
                             "1000@127.0.0.1": {"sip:1000@127.0.0.1:5070"},
                             "1001@127.0.0.1": {"sip:1001@127.0.0.1:5071"}}
    channels = events.channels_from_json(api_body("api_show_channels_as_json"))
    assert {(c.user, c.state) for c in channels} == {("1000@127.0.0.1", "ACTIVE"),
                                                     ("1001@127.0.0.1", "ACTIVE")}


@pytest.mark.parametrize("body", ["", "-ERR no reply", "{not json", '{"row_count":0}', "[]"])
def test_empty_or_broken_tables_read_as_empty(body):
    assert events.registrations_from_json(body) == {}
    assert events.channels_from_json(body) == []


def test_an_extension_moves_through_idle_in_use_idle_unavailable():
    states = ExtensionStates()
    seen = []
    states.observers.append(lambda user, state: seen.append((user, state)))
    user = "101@pbx.local"
    assert states.state(user) == UNAVAILABLE
    states.apply(events.Registered(user, "sip:101@10.0.0.5:5060"))
    states.apply(events.CallState("u1", user, "RINGING"))
    states.apply(events.CallState("u1", user, "ACTIVE"))
    states.apply(events.ChannelGone("u1"))
    states.apply(events.Unregistered(user, "sip:101@10.0.0.5:5060"))
    assert seen == [(user, IDLE), (user, IN_USE), (user, IDLE), (user, UNAVAILABLE)]


def test_two_phones_on_one_extension_stay_registered_until_both_leave():
    states = ExtensionStates()
    user = "101@pbx.local"
    states.apply(events.Registered(user, "sip:101@a"))
    states.apply(events.Registered(user, "sip:101@b"))
    states.apply(events.Unregistered(user, "sip:101@a"))
    assert states.state(user) == IDLE
    states.apply(events.Unregistered(user, ""))  # an expiry without contact
    assert states.state(user) == UNAVAILABLE


def test_resync_replaces_what_was_missed():
    states = ExtensionStates()
    seen = []
    states.observers.append(lambda user, state: seen.append((user, state)))
    states.apply(events.Registered("101@pbx.local", "sip:101@a"))
    states.apply(events.CallState("gone", "101@pbx.local", "ACTIVE"))
    states.resync({"102@pbx.local": {"sip:102@b"}},
                  [events.CallState("u2", "102@pbx.local", "EARLY")])
    assert states.snapshot(["101@pbx.local", "102@pbx.local"]) == \
        {"101@pbx.local": UNAVAILABLE, "102@pbx.local": IN_USE}
    assert sorted(seen[-2:]) == [("101@pbx.local", UNAVAILABLE), ("102@pbx.local", IN_USE)]
