"""Blind ``#<number>`` and attended ``*2<number>`` transfers: the exact actions our in_call
answer gives the presser's leg (real in_call requests: tests/data/freeswitch/in_call), the
refusals that leave the call as it was, and the transfer context routing the party."""

import pytest

from switchctl.freeswitch import prompts
from switchctl.models import Extension
from switchctl.services import blacklist
from switchctl.services.extensions import set_outbound_caller_id
from tests.builders.captures import payload
from tests.builders.dialplan import actions, bound
from tests.builders.in_call import PEER_ATTENDED, SELF_BLIND, in_call_body, pressed
from tests.clients.xml_curl import is_not_found, parsed, post
from tests.fakes.dialplan_eval import digit_machines


# A leg routed in the transfer context, and the legs it rings, leave it for good.
KEPT_OUT_OURS = [("export", "force_transfer_context=default")]
ATTENDED_KEYS = ("multiset", "attxfer_cancel_key=* attxfer_hangup_key=# attxfer_conf_key=0")


def blind(client, digits, presser=SELF_BLIND, **variables):
    return actions(parsed(post(client, pressed(presser, digits=digits, key="transfer_blind",
                                               **variables))))


def attended(client, digits, presser=SELF_BLIND, **variables):
    return actions(parsed(post(client, pressed(presser, digits=digits,
                                               key="transfer_attended", **variables))))


def extension(db, number):
    with db.connection_context():
        return Extension.get(Extension.number == number)


# --- blind: #<number> -------------------------------------------------------------------------

def test_blind_sends_the_other_party_to_the_transfer_context(client, office):
    assert blind(client, "#105") == [("transfer", "-bleg 101*105 XML transfer")]
    assert blind(client, "#105#") == [("transfer", "-bleg 101*105 XML transfer")]
    # Pressed on the leg switchctl rang (102's): 102 is the transferor.
    assert blind(client, "#105", PEER_ATTENDED) == [("transfer", "-bleg 102*105 XML transfer")]
    assert blind(client, "#985337106") == [("transfer", "-bleg 101*985337106 XML transfer")]


@pytest.mark.parametrize("digits, prompt", [
    ("#555", prompts.CANNOT_COMPLETE),  # no such extension, no outbound prefix
    ("#104", prompts.CANNOT_COMPLETE),
    ("#101", prompts.INVALID_ENTRY),  # to oneself
    ("#1", prompts.INVALID_ENTRY),  # too short a number (the binding would not take it)
    ("#10${x}", prompts.INVALID_ENTRY),
    ("", prompts.INVALID_ENTRY),
])
def test_blind_to_what_cannot_be_reached_is_a_prompt_and_the_call_goes_on(
        client, office, digits, prompt):
    assert blind(client, digits) == [("playback", prompt)]


def test_blind_out_needs_the_transferors_outbound_permission(client, office):
    """103 may not call out: nor may it send its caller out; inside it may."""
    assert blind(client, "#985337106", user_name="103") == [("playback", prompts.NOT_PERMITTED)]
    assert blind(client, "#105", user_name="103") == [("transfer", "-bleg 103*105 XML transfer")]


def test_blind_to_a_blacklisted_number_is_refused(client, office, db):
    with db.connection_context():
        blacklist.add(office, "85337106")
    assert blind(client, "#985337106") == [("playback", prompts.NOT_PERMITTED)]
    assert attended(client, "*2985337106") == [("playback", prompts.NOT_PERMITTED)]


def test_no_other_party_no_transfer(client, office):
    body = dict(bridge_uuid=None, signal_bond=None)
    steps = actions(parsed(post(client, pressed(SELF_BLIND, digits="#105", **body)
                                .replace(b"Other-Leg-Unique-ID=", b"Other-Leg-Was="))))
    assert steps == [("playback", prompts.INVALID_ENTRY)]


# --- attended: *2<number> ---------------------------------------------------------------------

def test_attended_rings_the_number_while_the_other_party_waits(client, office, db):
    assert attended(client, "*2105") == [
        ATTENDED_KEYS, ("att_xfer", "[leg_timeout=30]user/105@pbx.local")]
    assert attended(client, "*2105", PEER_ATTENDED) == [
        ATTENDED_KEYS, ("att_xfer", "[leg_timeout=30]user/105@pbx.local")]
    assert attended(client, "*2985337106") == [
        ATTENDED_KEYS, ("att_xfer", "sofia/gateway/trunk/85337106")]
    with db.connection_context():
        set_outbound_caller_id(extension(db, "101"), "+861088886666")
        Extension.update(ring_seconds=15).where(Extension.number == "105").execute()
    assert attended(client, "*2985337106") == [
        ATTENDED_KEYS,
        ("att_xfer", "[origination_caller_id_number=+861088886666]sofia/gateway/trunk/85337106")]
    assert attended(client, "*2105")[1] == ("att_xfer", "[leg_timeout=15]user/105@pbx.local")


@pytest.mark.parametrize("digits, presser, prompt", [
    ("*2555", "101", prompts.CANNOT_COMPLETE),
    ("*2101", "101", prompts.INVALID_ENTRY),
    ("*2", "101", prompts.INVALID_ENTRY),
    ("*2985337106", "103", prompts.NOT_PERMITTED),
])
def test_attended_refusals_leave_the_call_as_it_was(client, office, digits, presser, prompt):
    assert attended(client, digits, user_name=presser) == [("playback", prompt)]


# --- the transfer context: the party on its way --------------------------------------------------

def transferred(client, destination, capture=PEER_ATTENDED, **variables):
    """The party's request in the transfer context (from a real leg's request)."""
    overrides = {f"variable_{k}": v for k, v in variables.items()}
    body = in_call_body(capture, **{"Hunt-Context": "transfer", "Caller-Context": "transfer",
                                    "Hunt-Destination-Number": destination,
                                    "variable_last_matching_digits": None, **overrides})
    return parsed(post(client, body))


def test_the_party_rings_the_number_with_its_own_codes(client, office):
    """102's leg (switchctl rang it), sent on by 101 (the real request): 105 rings; 102
    keeps its codes."""
    root = parsed(post(client, payload("in_call/transfer_context_102.body.txt")))
    assert root.xpath("//context/@name") == ["transfer"]
    steps = actions(root)
    assert steps[:1] == KEPT_OUT_OURS  # a REFER later: 102's own call, never this context
    assert steps[1:9] == bound("self")  # 102's own in-call codes, on its leg
    assert steps[-2:] == [("bridge", "user/105@pbx.local"), ("transfer", "105 XML outcome")]
    assert bound("peer")[2] in steps  # 105's, as any call ringing it
    assert ("hash", "insert/pbx.local-ringing/105/${uuid}") in steps


def test_an_outside_party_rings_with_no_codes_and_goes_out_with_the_transferors_rights(
        client, office):
    """An inbound leg without user_name (a trunk caller) that rang 102: nobody's codes."""
    outside = dict(capture=SELF_BLIND, user_name=None)
    steps = actions(transferred(client, "102*105", **outside))
    machines = digit_machines(steps)
    assert machines["self"] is None and machines["peer"] is not None  # 105's only
    assert steps[-2] == ("bridge", "user/105@pbx.local")
    out = actions(transferred(client, "102*985337106", **outside))
    assert out[-2:] == [("bridge", "sofia/gateway/trunk/85337106"),
                        ("transfer", "985337106 XML outcome")]
    assert steps[0] == out[0] == ("export", "force_transfer_context=public")
    barred = actions(transferred(client, "103*985337106", **outside))
    assert barred[-2:] == [("playback", prompts.NOT_PERMITTED), ("hangup", "CALL_REJECTED")]


def test_a_transferor_gone_meanwhile_or_a_malformed_destination(client, office, db):
    with db.connection_context():
        Extension.update(enabled=False).where(Extension.number == "101").execute()
    assert actions(transferred(client, "101*105"))[-1] == ("hangup", "UNALLOCATED_NUMBER")
    for destination in ("105", "102*", "*105", "102*10${x}", "102**105"):
        assert is_not_found(transferred(client, destination)), destination


def test_a_phones_refer_routes_the_other_leg_as_its_own_call(client, office):
    """The real request after 101's phone sent REFER to 105: 102's leg, in default."""
    steps = actions(parsed(post(client, payload("in_call/refer_default_102.body.txt"))))
    assert ("hash", "insert/pbx.local-spymap/102/${uuid}") in steps  # 102's call now
    assert steps[-2:] == [("bridge", "user/105@pbx.local"), ("transfer", "105 XML outcome")]
    machines = digit_machines(steps)
    assert machines["self"] is not None and machines["peer"] is not None


def test_a_refer_naming_a_transferor_borrows_no_rights(client, office):
    """The real request, before the fix: 105's phone referred the party 101 had sent it
    (102's leg, whose last context was transfer) to ``101*985337106``. Since then such a
    leg has force_transfer_context (above), so a REFER routes it as its own call; and a
    request that is a REFER's (sip_refer_to naming this destination) is refused here."""
    body = payload("in_call/refer_into_transfer_102.body.txt")
    steps = actions(parsed(post(client, body)))
    assert steps == [("pre_answer", ""), ("sleep", "500"),
                     ("playback", prompts.NOT_PERMITTED), ("hangup", "CALL_REJECTED")]
    # The party's own #-transfer later on, after an earlier REFER of it: still routed.
    again = in_call_body("transfer_context_102",
                         variable_sip_refer_to="<sip:105@127.0.0.1>")
    assert actions(parsed(post(client, again)))[-2] == ("bridge", "user/105@pbx.local")
