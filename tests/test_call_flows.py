"""Multi-step routing played as FreeSWITCH would run it (tests/switch_sim.py)."""

import pytest

from switchctl.freeswitch import prompts
from switchctl.models import BlacklistEntry, Extension, ForwardRule
from switchctl.services import forwarding
from tests.fakes.switch_sim import Switch

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]


def ext(number):
    return Extension.get(Extension.number == number)


def test_an_answered_call_rings_once(client):
    call = Switch(client, {"102": "answer"}).call("101", "102")
    assert call.rung == ["102"] and call.answered_by == "102"


def test_busy_goes_to_the_busy_forward(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    call = Switch(client, {"102": "busy", "105": "answer"}).call("101", "102")
    assert call.rung == ["102", "105"] and call.answered_by == "105"


def test_forward_always_then_no_answer_forward_to_an_outside_number(client):
    forwarding.set_forward(ext("102"), "always", "105")
    forwarding.set_forward(ext("105"), "no_answer", "985337106")
    call = Switch(client, {"85337106": "answer"}).call("101", "102")
    assert call.rung == ["105", "85337106"] and call.answered_by == "85337106"


def test_unregistered_takes_the_unavailable_forward(client):
    forwarding.set_forward(ext("102"), "unavailable", "105")
    call = Switch(client, {"102": "unregistered", "105": "answer"}).call("101", "102")
    assert call.answered_by == "105"


def test_a_busy_loop_ends_with_a_prompt_not_a_ringing_storm(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    forwarding.set_forward(ext("105"), "busy", "102")
    call = Switch(client, {"102": "busy", "105": "busy"}).call("101", "102")
    assert call.rung == ["102", "105"]
    assert call.played() == [prompts.NOT_AVAILABLE] and call.answered_by == ""


def test_the_manuals_follow_me_example(client):
    """Extension 15 s, then 101 for 10 s, 102, then 103 for 30 s, then voicemail."""
    owner = ext("105")
    owner.ring_seconds = 15
    owner.save()
    forwarding.set_follow_me(owner, [("101", 10), ("102", 20), ("103", 30)])
    call = Switch(client, {}).call("103", "105")
    assert call.rung == ["105", "101", "102", "103"]
    (bridge,) = [data for app, data in call.steps if app == "bridge"]
    assert "[leg_timeout=15]user/105@pbx.local|[leg_timeout=10]user/101@pbx.local" in bridge
    assert reached_mailbox(call) == ("105", "no_answer")


def reached_mailbox(call):
    """(mailbox, reason) of the mailbox flow the call was handed to (over the outbound
    socket vars.xml names), having rung nobody since."""
    assert call.socket == "127.0.0.1:8084 async full" and call.flow == "voicemail"
    assert call.steps[-1][0] == "socket" and call.answered_by == "" and not call.played()
    return (call.flow_variables["switchctl_mailbox"],
            call.flow_variables["switchctl_voicemail_reason"])


@pytest.mark.parametrize(("response", "reason"), [
    ("busy", "busy"), ("no_answer", "no_answer"), ("unregistered", "unavailable")])
def test_a_call_nobody_takes_reaches_the_mailbox(client, response, reason):
    call = Switch(client, {"102": response}).call("101", "102")
    assert call.rung == ["102"] and reached_mailbox(call) == ("102", reason)
    # The call is no longer 102's: pickup and monitoring do not find it there.
    assert ("hash", "delete/pbx.local-ringing/102") in call.steps


def test_do_not_disturb_reaches_the_mailbox_as_busy_without_ringing(client):
    forwarding.set_dnd(ext("102"), True)
    call = Switch(client, {"102": "answer"}).call("101", "102")
    assert call.rung == [] and reached_mailbox(call) == ("102", "busy")
    assert not [step for step in call.steps if step[0] == "hash"]  # 102's own call's marks


def test_a_forward_then_no_answer_reaches_the_second_mailbox(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    call = Switch(client, {"102": "busy", "105": "no_answer"}).call("101", "102")
    assert call.rung == ["102", "105"] and reached_mailbox(call) == ("105", "no_answer")


@pytest.mark.parametrize(("response", "prompt", "cause"), [
    ("busy", prompts.USER_BUSY, "USER_BUSY"),
    ("no_answer", prompts.NOT_AVAILABLE, "NO_ANSWER"),
    ("unregistered", prompts.NOT_AVAILABLE, "USER_NOT_REGISTERED")])
def test_with_voicemail_off_the_caller_is_told_and_hung_up(client, response, prompt, cause):
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    call = Switch(client, {"102": response}).call("101", "102")
    assert call.flow == "" and call.played() == [prompt] and call.hangup_cause == cause


def test_follow_me_first_answer_wins(client):
    forwarding.set_follow_me(ext("105"), [("101", 10), ("102", 10)])
    call = Switch(client, {"101": "answer", "102": "answer"}).call("103", "105")
    assert call.answered_by == "101" and call.rung == ["105", "101"]


def test_dnd_code_makes_the_next_call_take_the_busy_path(client):
    forwarding.set_forward(ext("102"), "busy", "105")
    switch = Switch(client, {"102": "answer", "105": "answer"})
    switch.call("102", "*74#")
    call = switch.call("101", "102")
    assert call.rung == ["105"] and call.answered_by == "105"
    switch.call("102", "*074#")
    assert switch.call("101", "102").answered_by == "102"


def test_forward_code_then_cancel_leaves_no_forward(client):
    switch = Switch(client, {"102": "answer", "105": "answer"})
    switch.call("102", "*71105#")
    assert switch.call("101", "102").answered_by == "105"
    switch.call("102", "*071#")
    assert switch.call("101", "102").answered_by == "102"
    assert not ForwardRule.select().where(ForwardRule.active).exists()


def test_blacklisted_caller_never_rings_anyone(client, domain):
    BlacklistEntry.create(domain=domain, number="13800000000")
    call = Switch(client, {"102": "answer"}).call("", "102", context="public",
                                                  caller_id="13800000000")
    assert call.rung == [] and call.hangup_cause == "CALL_REJECTED"


def test_blacklist_by_prompt_then_the_number_cannot_call(client):
    switch = Switch(client, {"102": "answer"})
    added = switch.call("101", "*75#", entered=["13912345678"])
    assert ("transfer", "*75*13912345678 XML default") in added.steps
    assert prompts.BLACKLIST_ADDED in added.played()
    blocked = switch.call("", "102", context="public", caller_id="13912345678")
    assert blocked.rung == []


def test_blacklist_prompt_with_nothing_entered_changes_nothing(client):
    call = Switch(client).call("101", "*75#", entered=[])
    assert call.played() == [prompts.CANNOT_COMPLETE]
    assert not BlacklistEntry.select().exists()
