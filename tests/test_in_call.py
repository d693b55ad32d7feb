"""The in_call context on the real switch's requests (tests/data/freeswitch/in_call): who
pressed, which digits, which legs; and refusals that leave the call as it was."""

import pytest

from switchctl.freeswitch import prompts
from switchctl.services.feature_codes import FEATURES
from switchctl.xml_curl import in_call
from switchctl.xml_curl.actions import stay
from tests.builders.dialplan import actions
from tests.builders.in_call import (CALLEE_UUID, CALLER_UUID, PEER_ATTENDED, SELF_BLIND,
                                    SELF_RECORD, pressed)
from tests.clients.xml_curl import parsed, post

pytestmark = pytest.mark.both_databases


@pytest.fixture
def seen(monkeypatch):
    """Every in-call key answered by a handler that keeps the InCall it was given."""
    calls = []

    def handler(call):
        calls.append(call)
        return stay("seen", prompts.INVALID_ENTRY)
    for key in ("record_call", "transfer_blind", "transfer_attended"):
        monkeypatch.setitem(in_call.HANDLERS, key, handler)
    return calls


def test_every_in_call_feature_has_a_handler_key_the_binding_dials():
    keys = {feature.key for feature in FEATURES if feature.in_call}
    assert keys == {"park", "transfer_blind", "transfer_attended", "record_call",
                    "conference_adhoc"}
    assert all(in_call.KEY_PATTERN.match(key) for key in keys)


def test_the_calling_leg_pressing_a_code_is_its_user(client, office, seen):
    root = parsed(post(client, pressed(SELF_RECORD)))
    assert root.xpath("//context/@name") == ["in_call"]
    (call,) = seen
    assert (call.presser.number, call.domain, call.key, call.digits, call.argument) == \
        ("101", "pbx.local", "record_call", "*1", "")
    assert (call.uuid, call.other_uuid) == (CALLER_UUID, CALLEE_UUID)


def test_a_number_after_the_code_is_its_argument(client, office, seen):
    post(client, pressed(SELF_BLIND))
    post(client, pressed(SELF_BLIND, digits="#103#"))  # the phone's send key
    assert [(c.digits, c.argument) for c in seen] == [("#103", "103"), ("#103#", "103")]


def test_the_leg_switchctl_rang_is_its_extension_not_the_caller(client, office, seen):
    """102's leg has no user_name, only dialed_user (and the caller's Caller-* fields)."""
    post(client, pressed(PEER_ATTENDED))
    (call,) = seen
    assert (call.presser.number, call.key, call.digits, call.argument) == \
        ("102", "transfer_attended", "*2103", "103")
    assert (call.uuid, call.other_uuid) == (CALLEE_UUID, CALLER_UUID)


def test_the_other_leg_falls_back_to_signal_bond_then_the_other_leg_header(
        client, office, seen):
    post(client, pressed(SELF_BLIND, bridge_uuid=None))
    post(client, pressed(SELF_BLIND, bridge_uuid=None, signal_bond=None))
    post(client, pressed(SELF_BLIND, bridge_uuid="${x}", signal_bond="no spaces allowed"))
    assert [c.other_uuid for c in seen] == [CALLEE_UUID, CALLEE_UUID, ""]


@pytest.mark.parametrize("digits, argument", [
    ("#1", ""), ("#12345678901234567890123", ""), ("#10${x}", ""), ("#1 03", ""),
    ("*2103", ""),  # not the code of transfer_blind
])
def test_malformed_digits_give_no_argument(client, office, seen, digits, argument):
    post(client, pressed(SELF_BLIND, digits=digits))
    assert [c.argument for c in seen] == [argument]
    assert all("$" not in c.digits and " " not in c.digits for c in seen)


def test_an_unknown_key_is_an_invalid_entry_and_the_call_goes_on(client, office, seen):
    for key in ("nothing_here", "../etc", "PARK"):
        steps = actions(parsed(post(client, pressed(SELF_RECORD, key=key))))
        assert steps == [("playback", prompts.INVALID_ENTRY)]
    assert seen == []


def test_a_presser_that_is_not_ours_is_refused_without_hanging_up(client, office, seen):
    body = pressed(SELF_RECORD, user_name="999")
    assert actions(parsed(post(client, body))) == [("playback", prompts.NOT_PERMITTED)]
    planted = pressed(SELF_RECORD) + b"&variable_user_name=102"  # a second one: not believed
    assert actions(parsed(post(client, planted))) == [("playback", prompts.NOT_PERMITTED)]
    assert seen == []
