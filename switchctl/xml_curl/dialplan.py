"""The dialplan section: where a call goes, decided here and sent as one extension.

Contexts (see freeswitch/contexts.py): ``default`` for our users (feature codes, extensions,
the outbound route), ``public`` for calls from outside (blacklist, caller-ID names
from the phonebook, extensions only), ``outcome`` after a failed bridge. How an
extension is rung (forwarding, DND, follow-me) is decided in routing.py, the
feature codes in features/ (a module per feature).

The destination number is dialled by the caller: it only ever reaches the XML
after it matched a pattern of digits, and never inside a ``data`` attribute
unvalidated (FreeSWITCH expands ``${...}`` there).
"""

import re

from switchctl.freeswitch import contexts, prompts
from switchctl.services import blacklist
from switchctl.services.contacts import caller_name
from switchctl.services.extensions import extension_record, extension_records
from switchctl.xml_curl import (bindings, conferences, fax, features, in_call, parking,
                                queues, routing, transfers)
from switchctl.xml_curl.actions import refuse
from switchctl.xml_curl.dialled import Dialled
from switchctl.xml_curl.identity import caller_identity
from switchctl.xml_curl.documents import NOT_FOUND, attr, document

DIALLABLE = re.compile(r"^[0-9*#+]{1,32}\Z")
# domain_name is set by FreeSWITCH, but on calls from outside it may come from the
# request URI: only a plain host name is used, anything else means our own domain.
DOMAIN_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{0,252}\Z")


def answer(request, default_domain):
    """Bytes of the dialplan document for ``request`` (not-found for unknown contexts)."""
    handler = CONTEXTS.get(request.context)
    if handler is None:
        return NOT_FOUND
    domain = caller_identity(request)[1]
    if not DOMAIN_NAME.match(domain):
        domain = default_domain
    with bindings.one_request():
        route = handler(request, domain)
    if route is None:
        return NOT_FOUND
    return route_document(request.context, request.destination, route)


def route_document(context, destination, route):
    """Bytes of the document: one extension in ``context`` carrying out ``route``."""
    condition = ""
    if DIALLABLE.match(destination):
        expression = attr(f"^{re.escape(destination)}$")
        condition = f' field="destination_number" expression="{expression}"'
    actions = "".join(
        f'<action application="{attr(application)}" data="{attr(data)}"/>' if data else
        f'<action application="{attr(application)}"/>'
        for application, data in route.actions)
    return document("dialplan", f'<context name="{attr(context)}"><extension '
                                f'name="{attr(route.name)}"><condition{condition}>{actions}'
                                "</condition></extension></context>")


def _dialled(request):
    number = request.destination
    return number if DIALLABLE.match(number) else ""


# What a number our users dial may be, tried in order: each kind gives its Route, or None
# when the number is not of its kind. A new kind of number is a function here.
INTERNAL_DESTINATIONS = (features.route, routing.ring_dialled, parking.retrieve,
                         conferences.dial_room, queues.dial_queue, routing.call_out,
                         fax.dial_fax_number)


def route_internal(request, domain):
    caller_number, number = caller_identity(request)[0], _dialled(request)
    found = extension_records(domain, caller_number, number)
    caller = found.get(caller_number)
    if caller is None:
        return refuse("unknown-caller", prompts.NOT_PERMITTED, "CALL_REJECTED")
    call = Dialled(domain, caller, number, found)
    for destination in INTERNAL_DESTINATIONS:
        route = destination(call)
        if route is not None:
            return route
    return _unknown()


def _unknown():
    return refuse("unknown-number", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")


def route_public(request, domain):
    number = _dialled(request)
    target = extension_record(domain, number) if number else None
    if target is None:
        # Not an extension (a fax number never is one): the fax numbers are looked up only
        # now, so a call to an extension costs no more than before they existed.
        return (fax.receive(domain, number) if number else None) or _unknown()
    calling = request.caller_number
    if blacklist.is_listed(target.domain_id, calling):
        return refuse("blacklisted", prompts.NOT_PERMITTED, "CALL_REJECTED")
    return routing.ring(domain, target,
                        prelude=(("set", f"force_transfer_context={contexts.PUBLIC}"),),
                        caller_name=caller_name(target.domain_id, target.id, calling))


CONTEXTS = {
    contexts.INTERNAL: route_internal,
    contexts.PUBLIC: route_public,
    contexts.OUTCOME: routing.route_outcome,
    contexts.IN_CALL: in_call.route_in_call,
    contexts.TRANSFER: transfers.route_transfer,
    contexts.ORBIT: parking.route_orbit,
    contexts.CONFERENCE: conferences.route_conference,
    contexts.QUEUE_EXIT: queues.route_queue_exit,
}
