"""Dialled feature codes: what the caller hears and what the database holds afterwards."""

import pytest

from switchctl.freeswitch import prompts
from switchctl.models import (
    BlacklistEntry,
    CallRecord,
    Extension,
    FeatureCodeOverride,
    ForwardRule,
)
from switchctl.models.base import now
from switchctl.services import forwarding
from tests.builders.dialplan import bridges, call, steps_of

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]


def forwards(number):
    return {(r.kind, r.destination, r.active) for r in ForwardRule.select().join(Extension)
            .where(Extension.number == number)}


def confirmed(steps, prompt):
    return steps[0] == ("answer", "") and ("playback", prompt) in steps and \
        steps[-1] == ("hangup", "NORMAL_CLEARING")


def refused_with(steps, prompt):
    return ("playback", prompt) in steps and steps[0] == ("pre_answer", "")


def test_forward_always_set_then_cancelled(client):
    assert confirmed(steps_of(client, call("101", "*71105#")), prompts.FORWARD_SET)
    assert forwards("101") == {("always", "105", True)}
    assert confirmed(steps_of(client, call("101", "*071#")), prompts.FORWARD_CANCELLED)
    assert forwards("101") == {("always", "105", False)}


@pytest.mark.parametrize(("on", "off", "kind"), [
    ("*72", "*072#", "busy"),
    ("*73", "*073#", "no_answer"),
])
def test_forward_busy_and_no_answer(client, on, off, kind):
    steps_of(client, call("101", f"{on}102#"))
    assert forwards("101") == {(kind, "102", True)}
    steps_of(client, call("101", off))
    assert forwards("101") == {(kind, "102", False)}


def test_a_forward_set_by_phone_activates_forwarding_again(client):
    alice = Extension.get(Extension.number == "101")
    forwarding.save_forwards(alice, {"always": ("105", True)}, activated=False)  # the page
    assert bridges(steps_of(client, call("102", "101"))) == ["user/101@pbx.local"]
    steps_of(client, call("101", "*072#"))  # a cancel changes its own type only
    assert not Extension.get(Extension.number == "101").forwarding_active
    assert confirmed(steps_of(client, call("101", "*72102#")), prompts.FORWARD_SET)
    assert Extension.get(Extension.number == "101").forwarding_active
    assert forwards("101") == {("always", "105", True), ("busy", "102", True),
                               ("no_answer", "", False), ("unavailable", "", False)}
    assert bridges(steps_of(client, call("102", "101"))) == ["user/105@pbx.local"]


def test_forward_to_an_outside_number_with_the_prefix(client):
    assert confirmed(steps_of(client, call("101", "*71985337106")), prompts.FORWARD_SET)
    assert forwards("101") == {("always", "985337106", True)}


@pytest.mark.parametrize("dialled", ["*71101#", "*71999#", "*71#", "*71abc#",
                                     "*71" + "9" * 30 + "#", "*7185337106"])
def test_bad_forwards_get_a_prompt_and_change_nothing(client, dialled):
    steps = steps_of(client, call("101", dialled))
    assert refused_with(steps, prompts.INVALID_ENTRY) or \
        refused_with(steps, prompts.CANNOT_COMPLETE)
    assert forwards("101") == set()


def test_dnd_on_and_off(client):
    assert confirmed(steps_of(client, call("102", "*74#")), prompts.DND_ON)
    assert Extension.get(Extension.number == "102").dnd is True
    assert confirmed(steps_of(client, call("102", "*074")), prompts.DND_OFF)
    assert Extension.get(Extension.number == "102").dnd is False


def test_remove_from_blacklist(client, domain):
    BlacklistEntry.create(domain=domain, number="13800000000")
    steps = steps_of(client, call("101", "*07513800000000#"))
    assert confirmed(steps, prompts.BLACKLIST_REMOVED)
    assert ("say", "en number iterated 13800000000") in steps
    assert BlacklistEntry.select().count() == 0
    assert confirmed(steps_of(client, call("101", "*07513800000000#")),
                     prompts.BLACKLIST_NOT_LISTED)


def test_blacklist_asks_for_the_number_then_adds_it(client):
    steps = steps_of(client, call("101", "*75#"))
    (collect,) = [data for app, data in steps if app == "play_and_get_digits"]
    assert collect.split()[:8] == ["3", "20", "3", "7000", "#", prompts.BLACKLIST_ENTER,
                                   prompts.INVALID_ENTRY, "switchctl_digits"]
    assert steps[-1] == ("transfer", "*75*${switchctl_digits} XML default")
    assert confirmed(steps_of(client, call("101", "*75*13912345678")), prompts.BLACKLIST_ADDED)
    assert [e.number for e in BlacklistEntry.select()] == ["13912345678"]
    assert confirmed(steps_of(client, call("101", "*75*13912345678")), prompts.BLACKLIST_ALREADY)


def test_an_extension_cannot_be_blacklisted(client):
    assert refused_with(steps_of(client, call("101", "*75*102")), prompts.INVALID_ENTRY)
    assert BlacklistEntry.select().count() == 0


def test_blacklist_the_last_outside_caller(client, domain):
    bob = Extension.get(Extension.number == "102")
    for minute, number in ((1, "13500000001"), (5, "13500000005")):
        at = now().replace(minute=minute)
        CallRecord.create(domain=domain, uuid=f"u{minute}", direction="inbound",
                          caller_number=number, callee_number="102", callee_extension=bob,
                          start=at, end=at, disposition="ANSWERED")
    assert confirmed(steps_of(client, call("102", "*76#")), prompts.BLACKLIST_ADDED)
    assert [e.number for e in BlacklistEntry.select()] == ["13500000005"]


def test_blacklist_last_caller_without_one_says_so(client):
    assert refused_with(steps_of(client, call("101", "*76#")), prompts.CANNOT_COMPLETE)


def test_announce_own_extension_and_addresses(client):
    assert ("say", "en number iterated 101") in steps_of(client, call("101", "**13#"))
    assert ("say", "en ip_address pronounced ${bind_ip}") in \
        steps_of(client, call("101", "**12#"))
    assert ("say", "en ip_address pronounced ${external_sip_ip}") in \
        steps_of(client, call("101", "**11#"))


def test_admin_override_moves_a_code(client, domain):
    FeatureCodeOverride.create(domain=domain, feature="dnd_on", code="*78")
    assert confirmed(steps_of(client, call("102", "*78#")), prompts.DND_ON)
    assert refused_with(steps_of(client, call("102", "*74#")), prompts.CANNOT_COMPLETE)


def test_in_call_codes_dialled_as_a_number_are_not_routed(client):  # only during a call
    steps = steps_of(client, call("101", "*1"))
    assert steps[-1] == ("hangup", "UNALLOCATED_NUMBER")


def test_directed_pickup_intercepts_the_call_ringing_at_the_extension(client):
    steps = steps_of(client, call("101", "**102#"))
    assert steps[:2] == [("set", "intercept_unanswered_only=true"),
                         ("intercept", "${hash(select/pbx.local-ringing/102)}")]
    assert ("playback", prompts.CANNOT_COMPLETE) in steps


def test_group_pickup_uses_the_callers_department(client):
    sales = Extension.get(Extension.number == "101").department_id
    steps = steps_of(client, call("101", "*8"))
    assert ("intercept", f"${{hash(select/pbx.local-ringgroup/dept{sales})}}") in steps
    no_department = steps_of(client, call("103", "*8"))
    assert ("playback", prompts.CANNOT_COMPLETE) in no_department
    assert not [s for s in no_department if s[0] == "intercept"]


def test_pickup_of_an_unknown_extension_is_refused(client):
    assert refused_with(steps_of(client, call("101", "**199#")), prompts.INVALID_ENTRY)


def allow_monitoring(number):
    Extension.update(may_monitor=True).where(Extension.number == number).execute()


@pytest.mark.parametrize("code", ["*90", "*91", "*92"])
def test_monitoring_needs_the_admins_permission(client, code):
    steps = steps_of(client, call("101", f"{code}102#"))
    assert refused_with(steps, prompts.NOT_PERMITTED)
    assert not [s for s in steps if s[0] == "eavesdrop"]


@pytest.mark.parametrize(("code", "setup"), [
    ("*90", ("multiset", "eavesdrop_enable_dtmf=false")),
    ("*91", ("set", "eavesdrop_whisper_${hash(select/pbx.local-spyside/102)}leg=true")),
    ("*92", ("multiset", "eavesdrop_enable_dtmf=false eavesdrop_whisper_aleg=true "
                         "eavesdrop_whisper_bleg=true")),
])
def test_listen_whisper_and_barge(client, code, setup):
    allow_monitoring("101")
    steps = steps_of(client, call("101", f"{code}102#"))
    assert setup in steps
    assert ("eavesdrop", "${hash(select/pbx.local-spymap/102)}") in steps
    assert steps.index(setup) < steps.index(("eavesdrop", "${hash(select/pbx.local-spymap/102)}"))


def test_monitoring_an_unknown_extension_or_oneself_is_refused(client):
    allow_monitoring("101")
    assert refused_with(steps_of(client, call("101", "*90199#")), prompts.INVALID_ENTRY)
    assert refused_with(steps_of(client, call("101", "*90101#")), prompts.INVALID_ENTRY)


def test_intercom_auto_answers_two_way(client):
    steps = steps_of(client, call("101", "*50102#"))
    assert steps[0] == ("export", "sip_auto_answer=true")
    assert ("bridge", "user/102@pbx.local") in steps


def test_paging_auto_answers_the_extension_muted(client):
    steps = steps_of(client, call("101", "*51102#"))
    (variables,) = [data for app, data in steps if app == "multiset"]
    assert "conference_utils_auto_outcall_flags=mute" in variables.split()
    assert "conference_auto_outcall_prefix={sip_auto_answer=true,conference_controls=none}" \
        in variables.split()
    assert ("conference_set_auto_outcall", "user/102@pbx.local") in steps
    assert ("conference", "page-${uuid}@default+flags{endconf|nomoh}") in steps


def test_intercom_and_paging_respect_dnd(client):
    Extension.update(dnd=True).where(Extension.number == "102").execute()
    for code in ("*50102#", "*51102#"):
        assert refused_with(steps_of(client, call("101", code)), prompts.USER_BUSY)


def test_an_extension_written_with_a_plus_cannot_be_blacklisted(client):
    assert refused_with(steps_of(client, call("101", "*75*+102")), prompts.INVALID_ENTRY)
    assert BlacklistEntry.select().count() == 0
