"""Dialled feature codes, decided and carried out while the call is routed: one module
per feature of the manual, each with its ``HANDLERS`` (feature key -> handler).

A handler gets the domain name, the caller's extension record and the code's argument
and returns the Route the caller hears: a confirmation, or a prompt saying what was
wrong (then nothing was changed). Adding a feature code is a row in the registry
(services/feature_codes.py) and a module here; codes of features not built yet have
no handler and so are not routed at all.
"""

import re

from switchctl.services.feature_codes import dial_order, domain_codes
from switchctl.xml_curl.features import (announce, blacklist, dnd, forwarding, intercom,
                                         monitoring, pickup, queue_agents, voicemail, wakeup)

MODULES = (forwarding, dnd, blacklist, announce, pickup, monitoring, intercom, wakeup,
           voicemail, queue_agents)
HANDLERS = {key: handler for module in MODULES for key, handler in module.HANDLERS.items()}
# Features that ask for a number and come back with it after the code and a star.
ENTRY = {key: handler for module in MODULES
         for key, handler in getattr(module, "ENTRY", {}).items()}
ENTERED = re.compile(r"^\*(\+?[0-9]{3,20})\Z")


def match(number, domain_id):
    """``(handler, argument)`` for a dialled feature code, or None."""
    codes = domain_codes(domain_id)
    for feature in dial_order(codes):
        handler = HANDLERS.get(feature.key)
        code = codes[feature.key]
        if handler is None:
            continue
        found = re.match(feature.dial_regex(code), number)
        if found:
            return handler, (found.group(1) if found.groups() else "")
        if feature.key in ENTRY and number.startswith(code):
            entered = ENTERED.match(number[len(code):])
            if entered:
                return ENTRY[feature.key], entered.group(1)
    return None


def route(call):
    """The Route of a dialled ``*``/``#`` code (an unknown code: None)."""
    if call.number[:1] not in ("*", "#"):
        return None
    matched = match(call.number, call.caller.domain_id)
    if matched is None:
        return None
    handler, argument = matched
    return handler(call.domain, call.caller, argument)
