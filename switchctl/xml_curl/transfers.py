"""Transfers (manual §2.4): blind ``#<number>`` and attended ``*2<number>`` in a call.

Both are in-call codes (bindings.py, in_call.py): the presser's leg asks us, its other
party held with hold music meanwhile. The number is judged first with the presser's
rights, as if the presser dialled it: one of the domain's extensions, a parking slot,
a conference room or a queue (blind only), or an outside number through the outbound
route when the presser may call out and the number is not blacklisted. Anything else is
refused with a prompt the presser hears, and the call goes on as it was.

- Blind: ``transfer -bleg <presser>*<number> XML transfer`` on the presser sends the
  other party to the ``transfer`` context, where ``route_transfer`` routes it to the
  number with the presser's rights (the presser's leg then ends: its bridge is over).
  The party keeps its own caller ID.
- Attended: ``att_xfer`` on the presser rings the number while the other party hears the
  music; hanging up (or ``#``) completes the transfer, ``*`` cancels it and returns to the
  other party (mod_dptools ``attxfer_cancel_key``/``attxfer_hangup_key``), ``0`` makes it
  a three-way call.

A phone's own transfer key (SIP REFER) does not come here: sofia transfers the other
leg to the Refer-To number in its ``force_transfer_context`` (routing._dialled_marks;
a leg routed here gets one too, as do the legs it rings: ``_kept_out``), where it is
routed as that leg's own call.
"""

import re

from switchctl.freeswitch import contexts, prompts
from switchctl.services import blacklist
from switchctl.services.extensions import extension_records
from switchctl.xml_curl import bindings, conferences, parking, queues, routing
from switchctl.xml_curl.actions import Route, multiset, refuse, stay
from switchctl.xml_curl.dialled import Dialled
from switchctl.xml_curl.identity import caller_identity

# The transfer context's destination: "<transferor's extension>*<number>".
TRANSFER_DESTINATION = re.compile(r"^([0-9]{1,10})\*(\+?[0-9]{2,20})\Z")
# What may be dialled besides extensions and outside numbers (a Dialled -> Route or None).
OTHER_DESTINATIONS = (parking.retrieve, conferences.dial_room, queues.dial_queue)
REFER_USER = re.compile(r"sips?:([^@;>]*)@")  # the user part of a Refer-To URI
CANCEL_KEY, COMPLETE_KEY, THREE_WAY_KEY = "*", "#", "0"


def _target(domain, presser, number):
    """What ``number`` is for ``presser``: ``("extension", record)``, ``("other", Route)``,
    ``("outside", (gateway, external))``, or ``(refusal prompt, None)``."""
    found = extension_records(domain, presser.number, number)
    if number == presser.number:
        return prompts.INVALID_ENTRY, None
    if number in found:
        return "extension", found[number]
    call = Dialled(domain, presser, number, found)
    for destination in OTHER_DESTINATIONS:
        route = destination(call)
        if route is not None:
            return "other", route
    trunk = routing.trunk(domain, number)
    if trunk is None:
        return prompts.CANNOT_COMPLETE, None
    if not presser.outbound_allowed or blacklist.is_listed(presser.domain_id, trunk[1]) \
            or blacklist.is_listed(presser.domain_id, number):
        return prompts.NOT_PERMITTED, None
    return "outside", trunk


def _refusal(call):
    """The prompt refusing ``call`` before anything is looked up, or None."""
    if not call.argument or not call.other_uuid:
        return prompts.INVALID_ENTRY
    return None


def blind(call):
    """``#<number>``: the other party goes to ``number`` (see the module docstring)."""
    refused = _refusal(call)
    if refused:
        return stay("transfer-invalid", refused)
    kind, _ = _target(call.domain, call.presser, call.argument)
    if kind not in ("extension", "other", "outside"):
        return stay("transfer-refused", kind)
    return Route("transfer-blind", (
        ("transfer", f"-bleg {call.presser.number}*{call.argument} XML {contexts.TRANSFER}"),
    ))


def attended(call):
    """``*2<number>``: ring ``number`` while the other party waits (see the module
    docstring); only extensions and outside numbers can be consulted."""
    refused = _refusal(call)
    if refused:
        return stay("transfer-invalid", refused)
    kind, target = _target(call.domain, call.presser, call.argument)
    if kind == "extension":
        dial = f"[leg_timeout={target.ring_seconds}]user/{target.number}@{call.domain}"
    elif kind == "outside":
        gateway, external = target
        caller_id = call.presser.outbound_caller_id
        prefix = f"[origination_caller_id_number={caller_id}]" if caller_id else ""
        dial = f"{prefix}sofia/gateway/{gateway}/{external}"
    else:
        return stay("transfer-refused", kind if kind != "other" else prompts.CANNOT_COMPLETE)
    return Route("transfer-attended", (
        multiset(attxfer_cancel_key=CANCEL_KEY, attxfer_hangup_key=COMPLETE_KEY,
                 attxfer_conf_key=THREE_WAY_KEY),
        ("att_xfer", dial),
    ))


IN_CALL = {"transfer_blind": blind, "transfer_attended": attended}


def route_transfer(request, domain):
    """The ``transfer`` context: a party transferred with ``#<number>`` (destination
    ``<transferor>*<number>``), routed to the number with the transferor's rights; its
    own in-call codes are bound again when it is one of our users."""
    found = TRANSFER_DESTINATION.match(request.destination)
    if found is None:
        return None
    transferor_number, number = found.groups()
    if _referred_here(request):
        return refuse("transfer-referred", prompts.NOT_PERMITTED, "CALL_REJECTED")
    transferor = extension_records(domain, transferor_number).get(transferor_number)
    if transferor is None:
        return refuse("transfer-gone", prompts.CANNOT_COMPLETE, "UNALLOCATED_NUMBER")
    kind, target = _target(domain, transferor, number)
    party = _party(request, domain)
    kept = _kept_out(party)
    prelude = (*kept, *(bindings.bindings(party.domain_id, self_side=True) if party else ()))
    if kind == "extension":
        return routing.ring(domain, target, prelude=prelude)
    if kind == "other":
        return Route(target.name, (*kept, *target.actions))
    if kind == "outside":
        gateway, external = target
        return routing.bridge_outbound(gateway, number, external, prelude=prelude)
    return refuse("transfer-refused", kind, "CALL_REJECTED")


def _referred_here(request):
    """Did a phone's REFER send this leg here (sofia sets ``sip_refer_to`` on the leg it
    transfers, to the Refer-To URI whose user part is the destination), rather than our
    ``transfer -bleg``? A REFER names no transferor we can believe."""
    refer_to = request.variable("sip_refer_to")
    user = REFER_USER.search(refer_to) if refer_to else None
    return user is not None and user[1] == request.destination


def _party(request, domain):
    """The transferred party's extension record, or None (an outside party)."""
    number = caller_identity(request)[0]
    return extension_records(domain, number).get(number) if number else None


def _kept_out(party):
    """Keep the party, and the legs it rings, out of this context from now on.

    A phone's REFER (or a 302 to a bridge) sends the *other* leg to the Refer-To number
    in that leg's ``force_transfer_context``, else in the context it was last routed in
    (switch_ivr_session_transfer): for a leg sent here, this one, whose destination names
    the transferor. On the real switch, the phone the party was sent to referred it to
    ``101*985337106`` and it called out with 101's rights. So the party, and the legs it
    rings, are re-routed as their own calls: in ``default`` (as a REFER of any of our
    calls), or ``public`` when the party is an outside one (extensions only, as its first
    call). One ``export`` for both: ``export nolocal:...`` leaves a variable named
    ``nolocal:force_transfer_context`` on the leg, which made its call record invalid XML
    (and FreeSWITCH kept the leg in CS_REPORTING, retrying the post)."""
    own = contexts.INTERNAL if party is not None else contexts.PUBLIC
    return (("export", f"force_transfer_context={own}"),)
