"""The in_call context (manual §2.3, §2.4, §2.8, §2.12): an in-call code was pressed.

The codes reach us as described in bindings.py: the leg that pressed one runs
``execute_extension <feature key> XML in_call`` while the other party is held, hearing
its hold music, with the digits in ``last_matching_digits``. ``route_in_call`` answers
with the actions of that feature's handler. Those run on the presser and end: the call
then goes on as it was, unless the actions moved it (a transfer, a park).

A handler takes an ``InCall`` and returns a Route. It never hangs up the presser when it
refuses: ``actions.stay`` plays a prompt and the call goes on.
"""

import dataclasses
import re

from switchctl.freeswitch import prompts
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import conferences, parking, recordings, transfers
from switchctl.xml_curl.actions import stay
from switchctl.xml_curl.bindings import codes_of
from switchctl.xml_curl.identity import caller_identity

# Handlers by the destination the binding dials: the in-call feature keys of the registry
# (services/feature_codes.py), and the steps some features take in more than one request
# (a module's IN_CALL).
MODULES = (parking, transfers, recordings, conferences)
HANDLERS = {key: handler for module in MODULES for key, handler in module.IN_CALL.items()}
KEY_PATTERN = re.compile(r"^[a-z_]{1,40}\Z")
DIGITS_PATTERN = re.compile(r"^[0-9*#+]{1,40}\Z")
UUID_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,64}\Z")


@dataclasses.dataclass(frozen=True)
class InCall:
    """An in-call code pressed: by whom, on which leg, with what."""

    domain: str  # the domain's name
    presser: object  # the extension record of the leg that pressed (None: not one of ours)
    key: str  # the destination: a feature key or a module's step
    digits: str  # last_matching_digits, checked ("" if absent or malformed)
    argument: str  # the number after the code, for codes that take one ("" otherwise)
    uuid: str  # the presser's leg
    other_uuid: str  # the party it is bridged to ("" if none)
    request: object  # the FsRequest, for a step's own variables


def argument_of(key, digits, codes):
    """The number after the code in ``digits`` for the feature ``key``, or ""."""
    code = codes.get(key)
    if not code or not digits.startswith(code):
        return ""
    rest = digits[len(code):]
    rest = rest[:-1] if rest.endswith("#") else rest  # the phone's send key
    return rest if re.match(r"^\+?[0-9]{2,20}\Z", rest) else ""


def route_in_call(request, domain):
    """The in_call context: the handler of the code pressed, or a refusal the presser
    hears (the call goes on)."""
    key = request.destination
    handler = HANDLERS.get(key) if KEY_PATTERN.match(key) else None
    if handler is None:
        return stay("in-call-unknown", prompts.INVALID_ENTRY)
    number = caller_identity(request)[0]
    presser = extension_records(domain, number).get(number) if number else None
    digits = request.variable("last_matching_digits")
    digits = digits if DIGITS_PATTERN.match(digits) else ""
    uuid = request.get("Unique-ID")
    other = request.variable("bridge_uuid") or request.variable("signal_bond") or \
        request.get("Other-Leg-Unique-ID")
    codes = codes_of(presser.domain_id) if presser is not None else {}
    call = InCall(domain=domain, presser=presser, key=key, digits=digits,
                  argument=argument_of(key, digits, codes),
                  uuid=uuid if UUID_PATTERN.match(uuid) else "",
                  other_uuid=other if UUID_PATTERN.match(other) else "", request=request)
    if presser is None:
        return stay("in-call-not-ours", prompts.NOT_PERMITTED)
    return handler(call)
