"""Call records: each finished call stored once, classified for every extension in it.

A call is *internal* when one of our extensions called another (or a feature
code), *outbound* when an extension called out through the trunk, *inbound* when
an outside caller reached us. The other party's number is kept as it was dialled,
without the outbound prefix, so searches by number find it either way.
"""

import dataclasses
import datetime

import peewee

from switchctl.models import CallRecord, Domain, Extension, database
from switchctl.models.calls import DIRECTION_INBOUND, DIRECTION_INTERNAL, DIRECTION_OUTBOUND
from switchctl.services import ValidationError
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


CALL_TYPES = ("all", DIRECTION_INBOUND, DIRECTION_OUTBOUND, DIRECTION_INTERNAL)
PAGE_SIZE = 50


@dataclasses.dataclass(frozen=True)
class CallQuery:
    """A search of call records; every field optional. ``extension_id`` limits it to the calls
    of one extension (the portal's own-calls view); None searches the whole domain."""

    domain_id: int
    extension_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    kind: str = "all"
    number: str = ""
    page: int = 1
    per_page: int = PAGE_SIZE


def search(query):
    """``(records, more)``: one page of matching calls, newest first, and whether more follow."""
    if query.kind not in CALL_TYPES:
        raise ValidationError(f"call type must be one of {', '.join(CALL_TYPES)}")
    if query.start and query.end and query.end < query.start:
        raise ValidationError("the end date is before the start date")
    if query.page < 1 or not 1 <= query.per_page <= 500:
        raise ValidationError("page must be 1 or more, per_page 1 to 500")
    rows = list(_select(query).limit(query.per_page + 1)
                .offset((query.page - 1) * query.per_page))
    return rows[:query.per_page], len(rows) > query.per_page


def _select(query):
    records = CallRecord.select().where(CallRecord.domain == query.domain_id)
    if query.extension_id is not None:
        mine = (CallRecord.caller_extension == query.extension_id) | \
            (CallRecord.callee_extension == query.extension_id)
        records = records.where(mine)
    if query.start:
        records = records.where(CallRecord.start >= _midnight(query.start))
    if query.end:
        records = records.where(CallRecord.start < _midnight(query.end, days=1))
    if query.kind != "all":
        records = records.where(CallRecord.direction == query.kind)
    if query.number:
        records = records.where((CallRecord.caller_number == query.number)
                                | (CallRecord.callee_number == query.number))
    return records.order_by(CallRecord.start.desc(), CallRecord.id.desc())


def _midnight(day, days=0):
    return datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time())
