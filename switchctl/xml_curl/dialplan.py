"""The dialplan section: where a call goes, decided here and sent as one extension.

Contexts:
- ``default``: calls from our own users (their ``user_context``): extensions,
  the outbound route, feature codes as they are built.
- ``public``: calls from outside (the trunk, unauthenticated): a number equal to
  an extension rings it; nothing else goes anywhere.
- ``outcome``: a bridge that failed transfers here with the original number, so
  that busy / no answer / unavailable are decided with the database at hand.

The destination number is dialled by the caller: it only ever reaches the XML
after it matched a pattern of digits, and never inside a ``data`` attribute
unvalidated (FreeSWITCH expands ``${...}`` there).
"""

import dataclasses
import re

from lxml import etree

from switchctl import prompts
from switchctl.services.domains import find_domain
from switchctl.services.extensions import find_extension
from switchctl.xml_curl import outcome
from switchctl.xml_curl.documents import NOT_FOUND, document, serialise

CONTEXT_INTERNAL = "default"
CONTEXT_PUBLIC = "public"
CONTEXT_OUTCOME = "outcome"
EXTERNAL_NUMBER = re.compile(r"^\+?\d{3,20}$")
DIALLABLE = re.compile(r"^[0-9*#+]{1,32}$")
OUTBOUND_RING_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Route:
    """A named list of (application, data) pairs that FreeSWITCH runs in order."""

    name: str
    actions: tuple


def answer(request, default_domain):
    """Bytes of the dialplan document for ``request`` (not-found for unknown contexts)."""
    handler = CONTEXTS.get(request.context)
    domain = find_domain(request.variable("domain_name").lower() or default_domain)
    if handler is None or domain is None:
        return NOT_FOUND
    route = handler(request, domain)
    return serialise(route_document(request.context, request.destination, route))


def route_document(context, destination, route):
    root, section = document("dialplan")
    context_element = etree.SubElement(section, "context", name=context)
    extension = etree.SubElement(context_element, "extension", name=route.name)
    condition = etree.SubElement(extension, "condition")
    if DIALLABLE.match(destination):
        condition.set("field", "destination_number")
        condition.set("expression", f"^{re.escape(destination)}$")
    for application, data in route.actions:
        action = etree.SubElement(condition, "action", application=application)
        if data:
            action.set("data", data)
    return root


def route_internal(request, domain):
    caller = find_extension(domain, request.variable("user_name"))
    if caller is None or not caller.enabled:
        return refuse("unknown-caller", prompts.NOT_PERMITTED, "CALL_REJECTED")
    number = request.destination
    target = find_extension(domain, number) if DIALLABLE.match(number) else None
    if target is not None:
        return bridge_extension(target, domain)
    for route in domain.outbound_routes:
        external = number[len(route.prefix):]
        if number.startswith(route.prefix) and EXTERNAL_NUMBER.match(external):
            if not caller.outbound_allowed:
                return refuse("outbound-denied", prompts.NOT_PERMITTED, "OUTGOING_CALL_BARRED")
            return bridge_outbound(route.gateway, number, external, caller.outbound_caller_id)
    return refuse("unknown-number", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")


def route_public(request, domain):
    number = request.destination
    target = find_extension(domain, number) if DIALLABLE.match(number) else None
    if target is None or not target.enabled:
        return refuse("unknown-number", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")
    return bridge_extension(target, domain)


def route_outcome(request, domain):
    result = outcome.classify(request.variable("originate_disposition")
                              or request.variable("DIALSTATUS"))
    number = request.destination
    is_extension = DIALLABLE.match(number) and find_extension(domain, number) is not None
    if not is_extension or result == outcome.FAILED:
        return refuse(f"outcome-{result}", prompts.CANNOT_COMPLETE, outcome.HANGUP_CAUSE[result])
    prompt = prompts.USER_BUSY if result == outcome.BUSY else prompts.NOT_AVAILABLE
    return refuse(f"outcome-{result}", prompt, outcome.HANGUP_CAUSE[result])


def bridge_extension(target, domain):
    """Ring ``target`` for its ring time; a failure goes on to the outcome context."""
    number = target.number
    return Route(f"extension-{number}", (
        ("export", f"dialed_extension={number}"),
        ("set", f"call_timeout={target.ring_seconds}"),
        ("set", "hangup_after_bridge=true"),
        ("set", "continue_on_fail=true"),
        ("set", f"ringback={prompts.RINGBACK}"),
        ("bridge", f"user/{number}@{domain.name}"),
        ("transfer", f"{number} XML {CONTEXT_OUTCOME}"),
    ))


def bridge_outbound(gateway, dialled, external, caller_id=""):
    caller_id_actions = (("set", f"effective_caller_id_number={caller_id}"),) if caller_id else ()
    return Route("outbound", caller_id_actions + (
        ("set", f"call_timeout={OUTBOUND_RING_SECONDS}"),
        ("set", "hangup_after_bridge=true"),
        ("set", "continue_on_fail=true"),
        ("bridge", f"sofia/gateway/{gateway}/{external}"),
        ("transfer", f"{dialled} XML {CONTEXT_OUTCOME}"),
    ))


def refuse(name, prompt, cause):
    """Early media with a prompt, then hang up with ``cause``; nothing is answered."""
    return Route(name, (
        ("pre_answer", ""),
        ("sleep", "500"),
        ("playback", prompt),
        ("hangup", cause),
    ))


CONTEXTS = {
    CONTEXT_INTERNAL: route_internal,
    CONTEXT_PUBLIC: route_public,
    CONTEXT_OUTCOME: route_outcome,
}
