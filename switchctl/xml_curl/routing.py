"""Ringing an extension: forwarding, do-not-disturb, follow-me, and what follows a failure.

A call to an extension is decided here in one place:
1. forward-always followed (enabled and forwarding activated: forwarding.followed(),
   read with the extension's row): the call goes on to its number (an extension, whose own
   rules then apply, or an outside number through the outbound route);
2. do-not-disturb: busy treatment (forward-busy, else voicemail);
3. follow-me: the extension rings for its ring time, then each number in turn;
4. otherwise the extension rings for its ring time.
A failed bridge transfers to the ``outcome`` context with the extensions tried so
far in ``switchctl_path``; busy / no answer / unavailable then take the matching
forward, else voicemail. A path that comes back to an extension already tried, or
grows past MAX_HOPS, ends with a prompt instead of ringing on.
"""

import re

from switchctl.freeswitch import contexts, outcome, prompts, variables
from switchctl.services.domains import trunk
from switchctl.services.extensions import NUMBER_PATTERN, extension_record, extension_records
from switchctl.services.forwarding import active_forwards, follow_me_steps
from switchctl.xml_curl import bindings, presence
from switchctl.xml_curl.actions import Route, multiset, refuse, to_flow

MAX_HOPS = 5
OUTBOUND_RING_SECONDS = 60
PATH_PATTERN = re.compile(r"^[0-9]+(,[0-9]+)*\Z")
VOICEMAIL_FLOW = "voicemail"  # the mailbox flow's name in switchctl.ivr.FLOWS
OUTCOME_FORWARD = {
    outcome.BUSY: "busy",
    outcome.NO_ANSWER: "no_answer",
    outcome.UNAVAILABLE: "unavailable",
}


def path_of(text):
    """The extensions a call has tried, from the channel variable (trusted only if well-formed)."""
    return tuple(text.split(",")) if PATH_PATTERN.match(text or "") else ()


def ring(domain, target, path=(), prelude=(), caller_name=None):
    """The route for a call reaching the extension record ``target`` after ``path``.

    ``caller_name`` (from a contact only ``target`` may see) is shown only when
    ``target`` itself rings; forwarded or followed calls show the caller as is."""
    path = path + (target.number,)
    if len(path) > MAX_HOPS or target.number in path[:-1]:
        return refuse("forward-loop", prompts.NOT_AVAILABLE, "NO_ANSWER")
    if target.forward_always:
        return forward(domain, target, target.forward_always, path, prelude)
    if target.dnd:
        return after_failure(domain, target, outcome.BUSY, path, rang=False)
    if target.follow_me_enabled:
        return follow_me(domain, target, path, prelude)
    if caller_name:
        prelude = (*prelude, ("set", f"effective_caller_id_name={caller_name}"))
    return bridge_extension(domain, target, path, prelude)


def forward(domain, target, destination, path, prelude=()):
    """Send the call on to ``destination``, a forward of ``target``. A forward that can no
    longer be followed (the extension is gone or disabled, the outbound permission was
    withdrawn) is ignored: the extension itself rings rather than nobody."""
    found = extension_records(domain, destination)
    if destination in found:
        return ring(domain, found[destination], path, prelude)
    route = trunk(domain, destination)
    if route is None or not target.outbound_allowed:
        return bridge_extension(domain, target, path, prelude)
    gateway, external = route
    return bridge_outbound(gateway, destination, external, prelude=prelude)


def after_failure(domain, target, result, path, rang=True):
    """Busy / no answer / unavailable at ``target``: its forward of that kind, else voicemail.

    The call is no longer ``target``'s: when it ``rang`` there, its pickup and monitoring
    entries go (do-not-disturb rang nothing: the entries are those of ``target``'s own
    call, if any), and a contact name that only ``target`` may see is dropped before
    ringing on."""
    marks = presence.clear_marks(domain, target) if rang else ()
    destination = active_forwards(target.id).get(OUTCOME_FORWARD.get(result))
    if destination:
        cleanup = (*marks, ("unset", "effective_caller_id_name"))
        return forward(domain, target, destination, path, cleanup)
    return voicemail(target, result, marks)


def voicemail(target, result, prelude=()):
    """The mailbox flow (switchctl.ivr.voicemail_leave) takes the call when ``target``'s
    voicemail is on, told the mailbox and why (``result``); voicemail off: the caller is
    told the person is busy / not available."""
    if not target.voicemail_enabled:
        prompt = prompts.USER_BUSY if result == outcome.BUSY else prompts.NOT_AVAILABLE
        return refuse(f"no-voicemail-{result}", prompt, outcome.HANGUP_CAUSE[result])
    route = to_flow(f"voicemail-{result}", VOICEMAIL_FLOW, **{
        variables.MAILBOX: target.number, variables.VOICEMAIL_REASON: result})
    return Route(route.name, (*prelude, *route.actions))


def bridge_extension(domain, target, path, prelude=()):
    """Ring ``target`` for its ring time; a failure goes on to the outcome context."""
    number = target.number
    return Route(f"extension-{number}", (
        *prelude,
        *presence.callee_marks(domain, target),
        *bindings.bindings(target.domain_id, peer_side=True),
        ("export", f"dialed_extension={number}"),
        multiset(call_timeout=target.ring_seconds, hangup_after_bridge="true",
                 continue_on_fail="true", ringback=prompts.RINGBACK,
                 **{variables.PATH: ",".join(path)}),
        ("bridge", f"user/{number}@{domain}"),
        ("transfer", f"{number} XML {contexts.OUTCOME}"),
    ))


def follow_me(domain, target, path, prelude=()):
    """The extension, then each follow-me number in turn; the first to answer wins."""
    legs = [f"[leg_timeout={target.ring_seconds}]user/{target.number}@{domain}"]
    longest = target.ring_seconds
    for destination, timeout in follow_me_steps(target.id):
        dial = _dial_string(domain, target, destination)
        if dial:
            legs.append(f"[leg_timeout={timeout}]{dial}")
            longest = max(longest, timeout)
    return Route(f"follow-me-{target.number}", (
        *prelude,
        *presence.callee_marks(domain, target),
        *bindings.bindings(target.domain_id, peer_side=True),
        ("export", f"dialed_extension={target.number}"),
        # call_timeout caps every |-step (switch_ivr_originate): make room for the longest.
        multiset(call_timeout=longest, hangup_after_bridge="true", continue_on_fail="true",
                 ringback=prompts.RINGBACK,
                 **{variables.PATH: ",".join(path), variables.FOLLOW_ME: "true"}),
        ("bridge", "{ignore_early_media=true,originate_continue_on_timeout=true}" + "|".join(legs)),
        ("transfer", f"{target.number} XML {contexts.OUTCOME}"),
    ))


def _dial_string(domain, target, destination):
    if extension_record(domain, destination):
        return f"user/{destination}@{domain}"
    route = trunk(domain, destination)
    if route and target.outbound_allowed:
        gateway, external = route
        return f"sofia/gateway/{gateway}/{external}"
    return None


def ring_dialled(call):
    """One of our users dialled an extension (a Dialled): ring it, or None."""
    target = call.found.get(call.number)
    if target is None:
        return None
    return ring(call.domain, target, prelude=_dialled_marks(call))


def call_out(call):
    """One of our users dialled an outbound prefix + outside number: out through its
    gateway if the caller may call out; None for any other number."""
    route = trunk(call.domain, call.number)
    if route is None:
        return None
    if not call.caller.outbound_allowed:
        return refuse("outbound-denied", prompts.NOT_PERMITTED, "OUTGOING_CALL_BARRED")
    gateway, external = route
    return bridge_outbound(gateway, call.number, external, call.caller.outbound_caller_id,
                           prelude=_dialled_marks(call))


def _dialled_marks(call):
    # A transfer the phone asks for (SIP REFER) re-routes the other leg in its current
    # context, which is "outcome" after a forward: keep transfers in the original one.
    # The caller is one of our users: its in-call codes are bound (xml_curl/bindings.py).
    return (("set", f"force_transfer_context={contexts.INTERNAL}"),
            *presence.caller_marks(call.domain, call.caller),
            *bindings.bindings(call.caller.domain_id, self_side=True))


def bridge_outbound(gateway, dialled, external, caller_id="", prelude=()):
    caller_id = {"effective_caller_id_number": caller_id} if caller_id else {}
    return Route("outbound", (
        *prelude,
        multiset(**caller_id, call_timeout=OUTBOUND_RING_SECONDS, hangup_after_bridge="true",
                 continue_on_fail="true"),
        ("bridge", f"sofia/gateway/{gateway}/{external}"),
        ("transfer", f"{dialled} XML {contexts.OUTCOME}"),
    ))


def route_outcome(request, domain):
    """A bridge failed: decide what the caller gets next."""
    result = outcome.classify(request.variable("originate_disposition")
                              or request.variable("DIALSTATUS"))
    number = request.destination
    target = extension_record(domain, number) if NUMBER_PATTERN.match(number) else None
    if target is None or result == outcome.FAILED:
        return refuse(f"outcome-{result}", prompts.CANNOT_COMPLETE, outcome.HANGUP_CAUSE[result])
    if request.variable(variables.FOLLOW_ME) == "true":
        # Every number of the list was tried: whatever the last one said, the person
        # did not answer.
        return voicemail(target, outcome.NO_ANSWER, presence.clear_marks(domain, target))
    path = path_of(request.variable(variables.PATH)) or (number,)
    return after_failure(domain, target, result, path)
