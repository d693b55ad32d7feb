"""Dialled feature codes, decided and carried out while the call is routed.

Each handler gets the caller's extension record and the code's argument and
returns the Route the caller hears: a confirmation, or a prompt saying what was
wrong (then nothing was changed). Codes of features not built yet have no handler
here and so are not routed at all.
"""

import re

from switchctl import features, prompts
from switchctl.models import Extension, FeatureCodeOverride
from switchctl.services import ValidationError
from switchctl.services import blacklist, forwarding
from switchctl.xml_curl import contexts
from switchctl.xml_curl.actions import Route, confirm, invalid, refuse

ENTERED = re.compile(r"^\*(\+?\d{3,20})$")
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
    def handler(caller, argument):
        try:
            forwarding.set_forward(_editable(caller), kind, argument)
        except ValidationError:
            return invalid(f"forward-{kind}-refused")
        return confirm(f"forward-{kind}-on", prompts.FORWARD_SET)
    return handler


def _forward_off(kind):
    def handler(caller, argument):
        forwarding.cancel_forward(_editable(caller), kind)
        return confirm(f"forward-{kind}-off", prompts.FORWARD_CANCELLED)
    return handler


def _dnd(on):
    def handler(caller, argument):
        forwarding.set_dnd(caller, on)
        return confirm("dnd-on" if on else "dnd-off", prompts.DND_ON if on else prompts.DND_OFF)
    return handler


def _blacklist_number(caller, number):
    try:
        added = blacklist.add(caller.domain_id, number, added_by=caller.id)
    except ValidationError:
        return invalid("blacklist-refused")
    return confirm("blacklist-add", say_digits(number),
                   prompts.BLACKLIST_ADDED if added else prompts.BLACKLIST_ALREADY)


def blacklist_prompt(caller, argument):
    """``*75#``: ask for the number, then come back as ``*75*<number>``."""
    code = features.effective_codes(overrides(caller.domain_id))["blacklist_add"]
    return Route("blacklist-enter", (
        ("answer", ""),
        ("sleep", "500"),
        ("play_and_get_digits", f"3 20 3 7000 # {prompts.BLACKLIST_ENTER} "
                                f"{prompts.INVALID_ENTRY} {DIGITS_VARIABLE} \\d+ 5000"),
        ("transfer", f"{code}*${{{DIGITS_VARIABLE}}} XML {contexts.INTERNAL}"),
    ))


def blacklist_last(caller, argument):
    number = blacklist.last_external_caller(caller.id)
    if number is None:
        return refuse("blacklist-no-caller", prompts.CANNOT_COMPLETE, "NORMAL_CLEARING")
    return _blacklist_number(caller, number)


def blacklist_remove(caller, argument):
    removed = blacklist.remove(caller.domain_id, argument)
    return confirm("blacklist-remove", say_digits(argument),
                   prompts.BLACKLIST_REMOVED if removed else prompts.BLACKLIST_NOT_LISTED)


def announce_extension(caller, argument):
    return confirm("announce-extension", prompts.EXTENSION_NUMBER, say_digits(caller.number))


def announce_lan_ip(caller, argument):
    return confirm("announce-lan-ip", ("say", "en ip_address pronounced ${local_ip_v4}"))


def announce_wan_ip(caller, argument):
    # external_sip_ip is set in freeswitch-conf/vars.xml: the address the world sees.
    return confirm("announce-wan-ip", ("say", "en ip_address pronounced ${external_sip_ip}"))


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
}
# Features that ask for a number and come back with it after the code and a star.
ENTRY_FEATURES = {"blacklist_add": _blacklist_number}
