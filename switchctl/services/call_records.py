"""Call records: each finished call stored once, classified for every extension in it.

A call is *internal* when one of our extensions called another (or a feature
code), *outbound* when an extension called out through the trunk, *inbound* when
an outside caller reached us. The other party's number is kept as it was dialled,
without the outbound prefix, so searches by number find it either way.
"""

import peewee

from switchctl.models import CallRecord, Domain, Extension, database
from switchctl.models.calls import DIRECTION_INBOUND, DIRECTION_INTERNAL, DIRECTION_OUTBOUND
from switchctl.services.domains import outbound_routes
from switchctl.services.numbers import split_outbound
from switchctl.xml_curl import contexts, outcome

STORED = "stored"
DUPLICATE = "duplicate"
SKIPPED = "skipped"
DISPOSITIONS = {
    outcome.BUSY: "BUSY",
    outcome.NO_ANSWER: "NO_ANSWER",
    outcome.UNAVAILABLE: "UNAVAILABLE",
    outcome.FAILED: "FAILED",
}


def record_call(cdr, default_domain):
    """Store ``cdr`` (an A leg) unless stored already; return STORED, DUPLICATE or SKIPPED."""
    if cdr.b_leg:
        return SKIPPED
    domain = Domain.get_or_none(Domain.name == cdr.domain_name) or \
        Domain.get_or_none(Domain.name == default_domain)
    if domain is None:
        return SKIPPED
    if CallRecord.select().where(CallRecord.uuid == cdr.uuid).exists():
        return DUPLICATE
    try:
        with database.atomic():
            CallRecord.insert(**_row(domain, cdr)).execute()
    except peewee.IntegrityError:  # another switchctl instance stored it just now
        return DUPLICATE
    return STORED


def _row(domain, cdr):
    numbers = {e.number: e.id for e in Extension.select(Extension.id, Extension.number)
               .where(Extension.domain == domain,
                      Extension.number.in_([cdr.user_name, cdr.destination]))}
    caller = numbers.get(cdr.user_name) if _from_our_user(cdr) else None
    callee = numbers.get(cdr.destination)
    direction, other = _classify(domain, cdr, caller, callee)
    return {
        "domain": domain.id, "uuid": cdr.uuid, "direction": direction,
        "caller_number": cdr.user_name if caller else cdr.caller_number,
        "caller_name": cdr.caller_name[:80], "callee_number": other[:64],
        "caller_extension": caller, "callee_extension": callee,
        "start": cdr.start, "answer": cdr.answer, "end": cdr.end,
        "duration": cdr.duration, "billsec": cdr.billsec,
        "disposition": disposition(cdr), "hangup_cause": cdr.hangup_cause[:64],
    }


def _from_our_user(cdr):
    return cdr.authorized or cdr.context == contexts.INTERNAL


def _classify(domain, cdr, caller, callee):
    if caller is None:
        return DIRECTION_INBOUND, cdr.destination
    trunk = split_outbound(cdr.destination, [r.prefix for r in outbound_routes(domain.name)])
    if callee is None and trunk is not None:
        return DIRECTION_OUTBOUND, trunk[1]
    return DIRECTION_INTERNAL, cdr.destination


def disposition(cdr):
    if cdr.answer is not None or cdr.billsec > 0:
        return "ANSWERED"
    if cdr.hangup_cause == "ORIGINATOR_CANCEL":
        return "CANCELLED"
    return DISPOSITIONS[outcome.classify(cdr.originate_disposition or cdr.hangup_cause)]
