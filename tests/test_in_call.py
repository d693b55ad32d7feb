"""The in_call context on the real switch's requests (tests/data/freeswitch/in_call): who
pressed, which digits, which legs; and refusals that leave the call as it was."""

import pytest

from switchctl.freeswitch import prompts
from switchctl.models import Extension
from switchctl.services import forwarding
from switchctl.services.feature_codes import FEATURES, set_override
from switchctl.xml_curl import in_call
from switchctl.xml_curl.actions import stay
from tests.builders.dialplan import actions, call
from tests.builders.in_call import (CALLEE_UUID, CALLER_UUID, PEER_ATTENDED, SELF_BLIND,
                                    SELF_RECORD, in_call_body, pressed)
from tests.clients.xml_curl import parsed, post
from tests.fakes.dialplan_eval import DigitMatch, digit_machines, hunt


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
    """102's leg has no user_name, only presence_id and dialed_user (and the caller's
    Caller-* fields)."""
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


# --- the bindings, as the switch's digit machine takes them (tests/fakes/dialplan_eval) --------

def machines_of(client, body, context="default", **variables):
    """The digit machines our answer to ``body`` leaves on the calling leg."""
    answer = post(client, body).data
    found = hunt(answer, context, {"destination_number": variables.pop("destination"),
                                   **variables})
    return digit_machines(found.actions)


def took(machine, keys):
    """(feature key dialled in in_call, last_matching_digits, at the timeout?, runs on)."""
    results = []
    for result in machine.press(keys):
        if not isinstance(result, DigitMatch):
            results.append(("passed", result.digits))
            continue
        app, value, inline, held = result.binding.application
        assert (app, inline, held) == ("execute_extension", False, True)
        key, xml, context = value.split(" ")
        assert (xml, context) == ("XML", "in_call")
        results.append((key, result.digits, result.at_timeout, result.runs_on))
    return results


EVERY_CODE = [("*4#", "park", False), ("#103", "transfer_blind", True),
              ("*2985337106", "transfer_attended", True), ("*0", "conference_adhoc", False),
              ("*1", "record_call", False), ("#103#", "transfer_blind", True)]


def test_both_parties_of_an_internal_call_have_every_code(client, office):
    machines = machines_of(client, call("101", "102"), destination="102", user_name="101")
    for side, runs_on in (("self", "presser"), ("peer", "partner")):
        for keys, key, at_timeout in EVERY_CODE:
            # The leg rung has every code as a regex: settled at the digit timeout
            # (xml_curl/bindings.binding_pattern says why).
            at_timeout = at_timeout or side == "peer"
            assert took(machines[side], keys) == [(key, keys, at_timeout, runs_on)], (side, keys)
    # Keys that start no code reach the other party, after the digit timeout (2 s).
    assert machines["self"].digit_timeout_ms == 2000
    assert took(machines["self"], "5") == [("passed", "5")]
    assert took(machines["self"], "#1") == [("passed", "#1")]  # too short a number


def test_an_outside_party_has_no_codes(client, office):
    out = machines_of(client, call("101", "985337106"), destination="985337106",
                      user_name="101")
    assert out["peer"] is None
    assert took(out["self"], "*1") == [("record_call", "*1", False, "presser")]
    public = machines_of(client, call("", "102", context="public"), context="public",
                         destination="102")
    assert public["self"] is None
    assert took(public["peer"], "*4#") == [("park", "*4#", True, "partner")]


def test_the_domains_own_codes_are_bound(client, office, db):
    with db.connection_context():
        domain_id = Extension.get(Extension.number == "101").domain_id
        set_override(domain_id, "park", "*7#")
        set_override(domain_id, "transfer_blind", "*3")
    machines = machines_of(client, call("101", "102"), destination="102", user_name="101")
    assert took(machines["self"], "*7#") == [("park", "*7#", False, "presser")]
    assert took(machines["peer"], "*3103") == [("transfer_blind", "*3103", True, "partner")]
    assert took(machines["self"], "*4#") == [("passed", "*4#")]


def test_a_forward_binds_the_new_target_once(client, office, db):
    """Busy at 102, forwarded to 105: the outcome request binds 105's side again (cleared
    first), the caller's side stays as bound."""
    body = call("101", "102", context="outcome", originate_disposition="USER_BUSY")
    with db.connection_context():
        forwarding.save_forwards(Extension.get(Extension.number == "102"),
                                 {"busy": ("105", True)}, True)
    answer = actions(parsed(post(client, body)))
    assert [a for a, _ in answer].count("clear_digit_action") == 1
    machines = digit_machines(answer)
    assert machines["self"] is None
    assert took(machines["peer"], "*1") == [("record_call", "*1", True, "partner")]


def test_a_leg_sent_on_is_still_its_extension_not_the_one_it_rang(client, office, seen):
    """The real request of 102's leg after a transfer rang 105 from it: dialed_user=105
    there (the bridge set it), presence_id still 102@pbx.local. 102 pressing a code then is
    102, not 105 (whose rights it would borrow); a leg with no presence_id is nobody's."""
    moved = in_call_body("refer_into_transfer_102", **{
        "Hunt-Context": "in_call", "Hunt-Destination-Number": "record_call",
        "variable_last_matching_digits": "*1"})
    post(client, moved)
    (call,) = seen
    assert (call.presser.number, call.domain) == ("102", "pbx.local")
    nobody = in_call_body("refer_into_transfer_102", **{
        "Hunt-Context": "in_call", "Hunt-Destination-Number": "record_call",
        "variable_last_matching_digits": "*1", "variable_presence_id": None})
    assert actions(parsed(post(client, nobody))) == [("playback", prompts.NOT_PERMITTED)]
    assert len(seen) == 1


def test_a_leg_rung_on_a_browser_is_nobodys_whatever_it_sets(client, office, seen):
    """A Verto client may set presence_id, user_name, dialed_user on the leg we rang it
    on: only a SIP phone's leg (sofia) is believed to be its extension's."""
    browser = {"Channel-Name": "verto.rtc/u:0f3c", "Caller-Source": "mod_verto",
               "variable_presence_id": "105@pbx.local"}
    assert actions(parsed(post(client, in_call_body(PEER_ATTENDED, **browser)))) == \
        [("playback", prompts.NOT_PERMITTED)]
    planted = in_call_body(PEER_ATTENDED, **browser, variable_user_name="105")
    assert actions(parsed(post(client, planted))) == [("playback", prompts.NOT_PERMITTED)]
    assert seen == []


def test_a_phone_rung_by_a_browsers_call_is_its_extension_not_the_browser_user(
        client, office, seen):
    """102's SIP leg has a copy of its caller's profile (the capture: Caller-Username=101):
    rung by a browser (Caller-Source mod_verto, Caller-Username 101@pbx.local), 102 pressing
    a code is 102, not the browser's user, whose rights it would borrow."""
    copied = {"Caller-Source": "mod_verto", "Caller-Username": "101@pbx.local"}
    post(client, in_call_body(PEER_ATTENDED, **copied))
    (call,) = seen
    assert (call.presser.number, call.domain) == ("102", "pbx.local")


def test_a_planted_caller_source_or_direction_makes_the_leg_nobodys(client, office):
    """A browser client may name a variable ``x&Caller-Source=mod_sofia&y`` (FreeSWITCH
    posts names unencoded): a field the switch sends once, seen twice, fails closed."""
    from switchctl.xml_curl.identity import caller_identity
    from switchctl.xml_curl.request import parse_body

    honest = pressed(SELF_BLIND, digits="#103")
    assert caller_identity(parse_body(honest))[0] == "101"
    for field in ("Caller-Source=mod_sofia", "Call-Direction=outbound",
                  "Channel-Name=sofia/internal/101"):
        assert caller_identity(parse_body(honest + b"&" + field.encode())) == ("", "")


def test_a_planted_hunt_destination_picks_no_handler(client, office, seen):
    body = pressed(SELF_BLIND, digits="#103") + b"&Hunt-Destination-Number=record_call"
    post(client, body)
    assert seen == []
