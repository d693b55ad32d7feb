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
from switchctl.services.domains import outbound_routes
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import outcome
from switchctl.xml_curl.documents import NOT_FOUND, document, serialise

CONTEXT_INTERNAL = "default"
CONTEXT_PUBLIC = "public"
CONTEXT_OUTCOME = "outcome"
EXTERNAL_NUMBER = re.compile(r"^\+?\d{3,20}$")
DIALLABLE = re.compile(r"^[0-9*#+]{1,32}$")
# domain_name is set by FreeSWITCH, but on calls from outside it may come from the
# request URI: only a plain host name is used, anything else means our own domain.
DOMAIN_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,252}$")
OUTBOUND_RING_SECONDS = 60


@dataclasses.dataclass(frozen=True)
class Route:
    """A named list of (application, data) pairs that FreeSWITCH runs in order."""

    name: str
    actions: tuple


def answer(request, default_domain):
    """Bytes of the dialplan document for ``request`` (not-found for unknown contexts)."""
    handler = CONTEXTS.get(request.context)
    if handler is None:
        return NOT_FOUND
    domain = request.variable("domain_name").lower()
    if not DOMAIN_NAME.match(domain):
        domain = default_domain
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


def _dialled(request):
    number = request.destination
    return number if DIALLABLE.match(number) else ""


def route_internal(request, domain):
    caller_number, number = request.variable("user_name"), _dialled(request)
    found = extension_records(domain, caller_number, number)
    caller = found.get(caller_number)
    if caller is None or not caller.enabled:
        return refuse("unknown-caller", prompts.NOT_PERMITTED, "CALL_REJECTED")
    if number in found:
        return bridge_extension(found[number], domain)
    for route in outbound_routes(domain):
        external = number[len(route.prefix):]
        if number.startswith(route.prefix) and EXTERNAL_NUMBER.match(external):
            if not caller.outbound_allowed:
                return refuse("outbound-denied", prompts.NOT_PERMITTED, "OUTGOING_CALL_BARRED")
            return bridge_outbound(route.gateway, number, external, caller.outbound_caller_id)
    return refuse("unknown-number", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")


def route_public(request, domain):
    number = _dialled(request)
    target = extension_records(domain, number).get(number)
    if target is None or not target.enabled:
        return refuse("unknown-number", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")
    return bridge_extension(target, domain)


def route_outcome(request, domain):
    result = outcome.classify(request.variable("originate_disposition")
                              or request.variable("DIALSTATUS"))
    number = _dialled(request)
    if result == outcome.FAILED or number not in extension_records(domain, number):
        return refuse(f"outcome-{result}", prompts.CANNOT_COMPLETE, outcome.HANGUP_CAUSE[result])
    prompt = prompts.USER_BUSY if result == outcome.BUSY else prompts.NOT_AVAILABLE
    return refuse(f"outcome-{result}", prompt, outcome.HANGUP_CAUSE[result])


def bridge_extension(target, domain):
    """Ring ``target`` (of ``domain``, a name) for its ring time; a failure goes on to
    the outcome context."""
    number = target.number
    return Route(f"extension-{number}", (
        ("export", f"dialed_extension={number}"),
        multiset(call_timeout=target.ring_seconds, hangup_after_bridge="true",
                 continue_on_fail="true", ringback=prompts.RINGBACK),
        ("bridge", f"user/{number}@{domain}"),
        ("transfer", f"{number} XML {CONTEXT_OUTCOME}"),
    ))


def bridge_outbound(gateway, dialled, external, caller_id=""):
    caller_id = {"effective_caller_id_number": caller_id} if caller_id else {}
    return Route("outbound", (
        multiset(**caller_id, call_timeout=OUTBOUND_RING_SECONDS, hangup_after_bridge="true",
                 continue_on_fail="true"),
        ("bridge", f"sofia/gateway/{gateway}/{external}"),
        ("transfer", f"{dialled} XML {CONTEXT_OUTCOME}"),
    ))


def multiset(**variables):
    """One ``multiset`` action (mod_dptools: ``multiset <var>=<value> <var2>=<value2>``,
    space-separated) setting several channel variables; values hold no spaces."""
    return ("multiset", " ".join(f"{name}={value}" for name, value in variables.items()))


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
