"""Dialled feature codes, decided and carried out while the call is routed.

Each handler gets the domain name, the caller's extension record and the code's
argument and returns the Route the caller hears: a confirmation, or a prompt saying what was
wrong (then nothing was changed). Codes of features not built yet have no handler
here and so are not routed at all.
"""

import re

from switchctl import features, prompts
from switchctl.models import Extension, FeatureCodeOverride
from switchctl.services import ValidationError
from switchctl.services import blacklist, forwarding
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import contexts, presence
from switchctl.xml_curl.actions import Route, confirm, invalid, multiset, refuse

ENTERED = re.compile(r"^\*(\+?[0-9]{3,20})\Z")
DIGITS_VARIABLE = "switchctl_digits"


def overrides(domain_id):
    query = FeatureCodeOverride.select(FeatureCodeOverride.feature, FeatureCodeOverride.code)
    return dict(query.where(FeatureCodeOverride.domain == domain_id).tuples())


def match(number, domain_id):
    """``(handler, argument)`` for a dialled feature code, or None."""
    codes = features.effective_codes(overrides(domain_id))
    for feature in features.dial_order(codes):
        handler = HANDLERS.get(feature.key)
        code = codes[feature.key]
        if handler is None:
            continue
        found = re.match(feature.dial_regex(code), number)
        if found:
            return handler, (found.group(1) if found.groups() else "")
        if feature.key in ENTRY_FEATURES and number.startswith(code):
            entered = ENTERED.match(number[len(code):])
            if entered:
                return ENTRY_FEATURES[feature.key], entered.group(1)
    return None


def _editable(caller):
    return Extension.get_by_id(caller.id)


def _forward_on(kind):
    def handler(domain, caller, argument):
        try:
            forwarding.set_forward(_editable(caller), kind, argument)
        except ValidationError:
            return invalid(f"forward-{kind}-refused")
        return confirm(f"forward-{kind}-on", prompts.FORWARD_SET)
    return handler


def _forward_off(kind):
    def handler(domain, caller, argument):
        forwarding.cancel_forward(_editable(caller), kind)
        return confirm(f"forward-{kind}-off", prompts.FORWARD_CANCELLED)
    return handler


def _dnd(on):
    def handler(domain, caller, argument):
        forwarding.set_dnd(caller, on)
        return confirm("dnd-on" if on else "dnd-off", prompts.DND_ON if on else prompts.DND_OFF)
    return handler


def _blacklist_number(domain, caller, number):
    try:
        added = blacklist.add(caller.domain_id, number, added_by=caller.id)
    except ValidationError:
        return invalid("blacklist-refused")
    return confirm("blacklist-add", say_digits(number),
                   prompts.BLACKLIST_ADDED if added else prompts.BLACKLIST_ALREADY)


def blacklist_prompt(domain, caller, argument):
    """``*75#``: ask for the number, then come back as ``*75*<number>``."""
    code = features.effective_codes(overrides(caller.domain_id))["blacklist_add"]
    return Route("blacklist-enter", (
        ("answer", ""),
        ("sleep", "500"),
        ("play_and_get_digits", f"3 20 3 7000 # {prompts.BLACKLIST_ENTER} "
                                f"{prompts.INVALID_ENTRY} {DIGITS_VARIABLE} \\d+ 5000"),
        ("transfer", f"{code}*${{{DIGITS_VARIABLE}}} XML {contexts.INTERNAL}"),
    ))


def blacklist_last(domain, caller, argument):
    number = blacklist.last_external_caller(caller.id)
    if number is None:
        return refuse("blacklist-no-caller", prompts.CANNOT_COMPLETE, "NORMAL_CLEARING")
    return _blacklist_number(domain, caller, number)


def blacklist_remove(domain, caller, argument):
    removed = blacklist.remove(caller.domain_id, argument)
    return confirm("blacklist-remove", say_digits(argument),
                   prompts.BLACKLIST_REMOVED if removed else prompts.BLACKLIST_NOT_LISTED)


def announce_extension(domain, caller, argument):
    return confirm("announce-extension", prompts.EXTENSION_NUMBER, say_digits(caller.number))


def announce_lan_ip(domain, caller, argument):
    # bind_ip (freeswitch-conf/vars.xml) is the address the phones use.
    return confirm("announce-lan-ip", ("say", "en ip_address pronounced ${bind_ip}"))


def announce_wan_ip(domain, caller, argument):
    # external_sip_ip is set in freeswitch-conf/vars.xml: the address the world sees.
    return confirm("announce-wan-ip", ("say", "en ip_address pronounced ${external_sip_ip}"))


def _target(domain, number):
    target = extension_records(domain, number).get(number)
    return target if target is not None and target.enabled else None


def pickup_directed(domain, caller, argument):
    """``**<ext>#``: take the call ringing at ``<ext>`` (only while it is unanswered)."""
    if _target(domain, argument) is None:
        return invalid("pickup-unknown")
    return _intercept("pickup", presence.lookup(domain, "ringing", argument))


def pickup_group(domain, caller, argument):
    """``*8``: take the last call ringing in the caller's department."""
    if not caller.department_id:
        return refuse("pickup-no-group", prompts.CANNOT_COMPLETE, "NORMAL_CLEARING")
    return _intercept("pickup-group",
                      presence.lookup(domain, "ringgroup", f"dept{caller.department_id}"))


def _intercept(name, uuid_expression):
    return Route(name, (
        ("set", "intercept_unanswered_only=true"),
        ("intercept", uuid_expression),
        ("playback", prompts.CANNOT_COMPLETE),
        ("hangup", "NORMAL_CLEARING"),
    ))


MONITOR_MODES = {
    "listen": {},
    "whisper": None,  # decided by the side the extension is on (see presence.py)
    "barge": {"eavesdrop_whisper_aleg": "true", "eavesdrop_whisper_bleg": "true"},
}


def _monitor(mode):
    def handler(domain, caller, argument):
        if not caller.may_monitor:
            return refuse(f"monitor-{mode}-denied", prompts.NOT_PERMITTED, "CALL_REJECTED")
        if _target(domain, argument) is None or argument == caller.number:
            return invalid(f"monitor-{mode}-unknown")
        flags = MONITOR_MODES[mode]
        if flags is None:
            side = presence.lookup(domain, "spyside", argument)
            setup = (("set", f"eavesdrop_whisper_{side}leg=true"),)
        else:
            setup = (multiset(eavesdrop_enable_dtmf="false", **flags),)
        return Route(f"monitor-{mode}", (
            ("answer", ""),
            *setup,
            ("eavesdrop", presence.lookup(domain, "spymap", argument)),
            ("playback", prompts.CANNOT_COMPLETE),
            ("hangup", "NORMAL_CLEARING"),
        ))
    return handler


def _auto_answer_target(domain, caller, argument, name):
    """``(target, None)``, or ``(None, refusal)`` when the extension cannot be reached."""
    target = _target(domain, argument)
    if target is None or argument == caller.number:
        return None, invalid(f"{name}-unknown")
    if target.dnd:
        return None, refuse(f"{name}-dnd", prompts.USER_BUSY, "USER_BUSY")
    return target, None


def intercom(domain, caller, argument):
    """``*50<ext>#``: the extension answers by itself; both sides talk."""
    target, refusal = _auto_answer_target(domain, caller, argument, "intercom")
    if refusal:
        return refusal
    return Route("intercom", (
        ("export", "sip_auto_answer=true"),
        multiset(call_timeout=20, hangup_after_bridge="true", continue_on_fail="true"),
        ("bridge", f"user/{target.number}@{domain}"),
        ("playback", prompts.NOT_AVAILABLE),
        ("hangup", "NORMAL_CLEARING"),
    ))


def paging(domain, caller, argument):
    """``*51<ext>#``: the extension answers by itself and only listens.

    The caller opens a conference that ends when they hang up; mod_conference
    calls the extension in, auto-answered and muted."""
    target, refusal = _auto_answer_target(domain, caller, argument, "paging")
    if refusal:
        return refusal
    return Route("paging", (
        ("answer", ""),
        # conference_controls=none: the paged phone gets no keys (0 would unmute it).
        multiset(conference_auto_outcall_timeout=20, conference_utils_auto_outcall_flags="mute",
                 conference_auto_outcall_prefix="{sip_auto_answer=true,conference_controls=none}",
                 conference_auto_outcall_caller_id_number=caller.number),
        ("conference_set_auto_outcall", f"user/{target.number}@{domain}"),
        ("conference", "page-${uuid}@default+flags{endconf|nomoh}"),
        ("hangup", "NORMAL_CLEARING"),
    ))


def say_digits(number):
    """``say`` each digit of a number already checked to be digits (and maybe a +)."""
    return ("say", f"en number iterated {number.lstrip('+')}")


HANDLERS = {
    "forward_always_on": _forward_on("always"),
    "forward_always_off": _forward_off("always"),
    "forward_busy_on": _forward_on("busy"),
    "forward_busy_off": _forward_off("busy"),
    "forward_no_answer_on": _forward_on("no_answer"),
    "forward_no_answer_off": _forward_off("no_answer"),
    "dnd_on": _dnd(True),
    "dnd_off": _dnd(False),
    "blacklist_add": blacklist_prompt,
    "blacklist_last": blacklist_last,
    "blacklist_remove": blacklist_remove,
    "announce_extension": announce_extension,
    "announce_lan_ip": announce_lan_ip,
    "announce_wan_ip": announce_wan_ip,
    "pickup_directed": pickup_directed,
    "pickup_group": pickup_group,
    "monitor_listen": _monitor("listen"),
    "monitor_whisper": _monitor("whisper"),
    "monitor_barge": _monitor("barge"),
    "intercom": intercom,
    "paging": paging,
}
# Features that ask for a number and come back with it after the code and a star.
ENTRY_FEATURES = {"blacklist_add": _blacklist_number}
