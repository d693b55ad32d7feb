"""How a call to an extension is routed: forwarding, DND, follow-me, outcomes, public calls."""

import pytest
from playhouse.test_utils import count_queries

from switchctl.freeswitch import prompts
from switchctl.models import BlacklistEntry, Extension, FollowMeEntry, ForwardRule
from switchctl.services import ValidationError, forwarding
from switchctl.services.contacts import add_contact
from switchctl.services.extensions import remove_extension
from switchctl.xml_curl import dialplan
from switchctl.xml_curl.request import parse_body
from tests.builders.dialplan import bridges, call, steps_of

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]


def ext(number):
    return Extension.get(Extension.number == number)


def variables_of(steps):
    values = {}
    for app, data in steps:
        if app == "multiset":
            values.update(item.split("=", 1) for item in data.split())
        elif app in ("set", "export"):
            name, _, value = data.partition("=")
            values[name] = value
    return values


def test_forward_always_rings_the_target_instead(client):
    forwarding.set_forward(ext("102"), "always", "105")
    steps = steps_of(client, call("101", "102"))
    assert bridges(steps) == ["user/105@pbx.local"]
    assert variables_of(steps)["switchctl_path"] == "102,105"
    assert steps[-1] == ("transfer", "105 XML outcome")


def test_forward_always_chains_follow_each_extensions_rules(client):
    forwarding.set_forward(ext("102"), "always", "105")
    forwarding.set_forward(ext("105"), "always", "985337106")
    assert bridges(steps_of(client, call("101", "102"))) == ["sofia/gateway/trunk/85337106"]


@pytest.mark.parametrize("cycle", [("102", "105", "102"), ("102", "105", "101", "102")])
def test_a_forwarding_loop_ends_with_a_prompt(client, cycle):
    for source, target in zip(cycle, cycle[1:]):
        forwarding.set_forward(ext(source), "always", target)
    steps = steps_of(client, call("103", cycle[0]))
    assert bridges(steps) == []
    assert ("playback", prompts.NOT_AVAILABLE) in steps


def test_forwarding_out_needs_the_forwarders_outbound_permission(client):
    with pytest.raises(ValidationError, match="may not call outside"):
        forwarding.set_forward(ext("103"), "always", "985337106")
    assert not ForwardRule.select().exists()


def test_a_forward_that_can_no_longer_be_followed_rings_the_extension_itself(client):
    forwarding.set_forward(ext("102"), "always", "985337106")
    Extension.update(outbound_allowed=False).where(Extension.number == "102").execute()
    assert bridges(steps_of(client, call("101", "102"))) == ["user/102@pbx.local"]
    forwarding.set_forward(ext("102"), "always", "105")
    Extension.update(enabled=False).where(Extension.number == "105").execute()
    assert bridges(steps_of(client, call("101", "102"))) == ["user/102@pbx.local"]


def test_removing_an_extension_drops_forwards_and_follow_me_steps_to_it(client, domain):
    forwarding.set_forward(ext("102"), "busy", "105")
    forwarding.set_follow_me(ext("101"), [("105", 10), ("102", 10)])
    remove_extension(domain, "105")
    assert forwarding.active_forwards(ext("102").id) == {}
    assert forwarding.follow_me_steps(ext("101").id) == [("102", 10)]


def test_enabled_forwards_are_not_followed_while_forwarding_is_deactivated(client):
    both = {"always": ("105", True), "busy": ("105", True)}
    busy = call("101", "102", context="outcome", originate_disposition="USER_BUSY",
                switchctl_path="102")
    forwarding.save_forwards(ext("102"), both, activated=False)
    assert bridges(steps_of(client, call("101", "102"))) == ["user/102@pbx.local"]
    assert to_mailbox(steps_of(client, busy)) == ("102", "busy")
    forwarding.save_forwards(ext("102"), both, activated=True)
    assert bridges(steps_of(client, call("101", "102"))) == ["user/105@pbx.local"]
    forwarding.save_forwards(ext("102"), {"busy": ("105", True)}, activated=True)
    assert bridges(steps_of(client, busy)) == ["user/105@pbx.local"]


@pytest.mark.parametrize("activated", [True, False])
def test_the_activate_switch_is_read_with_the_extension_row(config, db, activated):
    """No query of its own: a call costs what it did before the switch existed (the
    extensions, the in-call codes bound before the bridge, the forward's target)."""
    forwarding.save_forwards(ext("102"), {"always": ("105", True), "busy": ("105", True)},
                             activated)
    busy = call("101", "102", context="outcome", originate_disposition="USER_BUSY")
    # (activated: the forward's extension is fetched too, as it rings; deactivated: not)
    for body, queries in ((call("101", "102"), (3, 2)), (busy, (4, 2))):
        request = parse_body(body)
        with db.connection_context(), count_queries() as counter:
            dialplan.answer(request, config.domain)
        assert counter.count == queries[0 if activated else 1]


def to_mailbox(steps):
    """(mailbox, reason) when the steps hand the call to the mailbox flow, else None."""
    if steps[-1] != ("socket", "${switchctl_socket} async full"):
        return None
    values = variables_of(steps)
    assert values["switchctl_flow"] == "voicemail"
    return values["switchctl_mailbox"], values["switchctl_voicemail_reason"]


def test_dnd_takes_the_busy_path(client):
    forwarding.set_dnd(ext("102"), True)
    steps = steps_of(client, call("101", "102"))
    assert bridges(steps) == [] and to_mailbox(steps) == ("102", "busy")
    forwarding.set_forward(ext("102"), "busy", "105")
    assert bridges(steps_of(client, call("101", "102"))) == ["user/105@pbx.local"]


def test_dnd_without_voicemail_says_busy(client):
    forwarding.set_dnd(ext("102"), True)
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    steps = steps_of(client, call("101", "102"))
    assert ("playback", prompts.USER_BUSY) in steps and steps[-1] == ("hangup", "USER_BUSY")


def test_dnd_extension_still_calls_out(client):
    forwarding.set_dnd(ext("102"), True)
    assert bridges(steps_of(client, call("102", "101"))) == ["user/101@pbx.local"]


@pytest.mark.parametrize(("disposition", "kind"), [("USER_BUSY", "busy"),
                                                   ("NO_ANSWER", "no_answer"),
                                                   ("USER_NOT_REGISTERED", "unavailable")])
def test_each_failure_takes_its_own_forward(client, disposition, kind):
    forwarding.set_forward(ext("102"), kind, "105")
    body = call("101", "102", context="outcome", originate_disposition=disposition,
                switchctl_path="102")
    steps = steps_of(client, body)
    assert bridges(steps) == ["user/105@pbx.local"]
    assert variables_of(steps)["switchctl_path"] == "102,105"


@pytest.mark.parametrize(("disposition", "reason"), [
    ("USER_BUSY", "busy"), ("CALL_REJECTED", "busy"), ("NO_ANSWER", "no_answer"),
    ("ALLOTTED_TIMEOUT", "no_answer"), ("USER_NOT_REGISTERED", "unavailable")])
def test_a_failure_without_its_forward_goes_to_the_mailbox(client, disposition, reason):
    forwarding.set_forward(ext("105"), "always", "101")  # another extension's: not 102's
    body = call("101", "102", context="outcome", originate_disposition=disposition,
                switchctl_path="102")
    steps = steps_of(client, body)
    assert bridges(steps) == [] and to_mailbox(steps) == ("102", reason)
    assert steps[:3] == [("hash", f"delete/pbx.local-{realm}/102")
                         for realm in ("ringing", "spymap", "spyside")]


@pytest.mark.parametrize(("disposition", "prompt", "cause"), [
    ("USER_BUSY", prompts.USER_BUSY, "USER_BUSY"),
    ("NO_ANSWER", prompts.NOT_AVAILABLE, "NO_ANSWER"),
    ("USER_NOT_REGISTERED", prompts.NOT_AVAILABLE, "USER_NOT_REGISTERED")])
def test_with_voicemail_off_a_failure_keeps_its_prompt(client, disposition, prompt, cause):
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    body = call("101", "102", context="outcome", originate_disposition=disposition)
    steps = steps_of(client, body)
    assert to_mailbox(steps) is None and ("playback", prompt) in steps
    assert steps[-1] == ("hangup", cause)


def test_busy_forward_back_to_a_tried_extension_ends(client):
    forwarding.set_forward(ext("105"), "busy", "102")
    body = call("101", "105", context="outcome", originate_disposition="USER_BUSY",
                switchctl_path="102,105")
    assert bridges(steps_of(client, body)) == []


def test_a_forged_path_variable_is_ignored(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    body = call("101", "102", context="outcome", originate_disposition="USER_BUSY",
                switchctl_path="${system(x)}")
    steps = steps_of(client, body)
    assert bridges(steps) == ["user/105@pbx.local"]
    assert variables_of(steps)["switchctl_path"] == "102,105"


def test_follow_me_rings_the_extension_then_each_number_in_turn(client):
    alice = ext("101")
    alice.ring_seconds = 15
    alice.save()
    forwarding.set_follow_me(alice, [("102", 10), ("105", 20), ("985337106", 30)])
    steps = steps_of(client, call("103", "101"))
    assert bridges(steps) == [
        "{ignore_early_media=true,originate_continue_on_timeout=true}"
        "[leg_timeout=15]user/101@pbx.local|[leg_timeout=10]user/102@pbx.local|"
        "[leg_timeout=20]user/105@pbx.local|[leg_timeout=30]sofia/gateway/trunk/85337106"]
    assert variables_of(steps)["switchctl_follow_me"] == "true"
    for disposition in ("NO_ANSWER", "USER_BUSY"):  # whatever the last number said
        after = call("103", "101", context="outcome", originate_disposition=disposition,
                     switchctl_follow_me="true", switchctl_path="101")
        assert to_mailbox(steps_of(client, after)) == ("101", "no_answer")


def test_follow_me_skips_outside_numbers_without_outbound_permission(client):
    lobby = ext("103")
    with pytest.raises(ValidationError, match="may not call outside"):
        forwarding.set_follow_me(lobby, [("985337106", 30), ("102", 10)])
    lobby.follow_me_enabled = True
    lobby.save()
    FollowMeEntry.insert_many([  # set before the permission was withdrawn
        {"extension": lobby.id, "position": 1, "destination": "985337106", "timeout": 30},
        {"extension": lobby.id, "position": 2, "destination": "102", "timeout": 10}]).execute()
    (dial,) = bridges(steps_of(client, call("101", "103")))
    assert "gateway" not in dial and dial.endswith("|[leg_timeout=10]user/102@pbx.local")


def test_follow_me_rejects_bad_entries_without_change(client):
    alice = ext("101")
    forwarding.set_follow_me(alice, [("102", 10)])
    with pytest.raises(ValidationError, match="itself"):
        forwarding.set_follow_me(alice, [("105", 10), ("101", 10)])
    assert forwarding.follow_me_steps(alice.id) == [("102", 10)]
    for timeout in ("ten", "", "3", "301", "12.5", "\u0663\u0660", None, True, 4):
        with pytest.raises(ValidationError, match="5 to 300"):
            forwarding.set_follow_me(alice, [("105", timeout)])
    assert forwarding.follow_me_steps(alice.id) == [("102", 10)]
    forwarding.set_follow_me(alice, [("105", " 20 ")])
    assert forwarding.follow_me_steps(alice.id) == [("105", 20)]


def test_blacklisted_outside_caller_is_rejected_before_ringing(client, domain):
    BlacklistEntry.create(domain=domain, number="13800000000")
    steps = steps_of(client, call("", "102", context="public", caller_id="+13800000000"))
    assert bridges(steps) == [] and steps[-1] == ("hangup", "CALL_REJECTED")
    other = steps_of(client, call("", "102", context="public", caller_id="13900000000"))
    assert bridges(other) == ["user/102@pbx.local"]


def test_caller_id_name_comes_from_a_contact_the_callee_may_see(client, domain):
    add_contact(domain, "ACME Sales", "+86 10 8888 6666")
    add_contact(domain, "Bob's dentist", "13912345678", owner=ext("102"))
    shared = steps_of(client, call("", "101", context="public", caller_id="861088886666"))
    assert ("set", "effective_caller_id_name=ACME Sales") in shared
    private_to_bob = steps_of(client, call("", "102", context="public", caller_id="13912345678"))
    assert ("set", "effective_caller_id_name=Bob's dentist") in private_to_bob
    not_for_alice = steps_of(client, call("", "101", context="public", caller_id="13912345678"))
    assert not [s for s in not_for_alice if s[1].startswith("effective_caller_id_name")]


def test_a_private_contact_name_is_not_shown_where_the_call_is_forwarded(client, domain):
    add_contact(domain, "Bob's dentist", "13912345678", owner=ext("102"))
    forwarding.set_forward(ext("102"), "always", "105")
    steps = steps_of(client, call("", "102", context="public", caller_id="13912345678"))
    assert bridges(steps) == ["user/105@pbx.local"]
    assert not [s for s in steps if s[1].startswith("effective_caller_id_name")]


def test_a_forward_after_failure_forgets_the_failed_extensions_call(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    body = call("101", "102", context="outcome", originate_disposition="USER_BUSY",
                switchctl_path="102")
    steps = steps_of(client, body)
    for realm in ("ringing", "spymap", "spyside"):
        assert ("hash", f"delete/pbx.local-{realm}/102") in steps
    assert ("unset", "effective_caller_id_name") in steps
    assert steps.index(("hash", "delete/pbx.local-ringing/102")) < \
        steps.index(("bridge", "user/105@pbx.local"))


def test_follow_me_makes_room_for_its_longest_step(client):
    forwarding.set_follow_me(ext("101"), [("102", 10), ("105", 90)])
    assert variables_of(steps_of(client, call("103", "101")))["call_timeout"] == "90"
