"""Call records: each finished call stored once, classified for every extension in it.

A call is *internal* when one of our extensions called another (or a feature
code), *outbound* when an extension called out through the trunk, *inbound* when
an outside caller reached us. The other party's number is kept as it was dialled,
without the outbound prefix, so searches by number find it either way.
"""

import dataclasses
import datetime

import peewee

from switchctl.models import CallRecord
from switchctl.models.call_records import DIRECTION_INBOUND, DIRECTION_INTERNAL, DIRECTION_OUTBOUND
from switchctl.services import ValidationError
from switchctl.services.domains import domain_record, outbound_routes
from switchctl.services.extensions import extension_records
from switchctl.services.numbers import split_outbound
from switchctl.services.prepared import Prepared
from switchctl.freeswitch import contexts, outcome


class NoDomain(LookupError):
    """No domain to file the record under: it must stay with FreeSWITCH."""


STORED = "stored"
DUPLICATE = "duplicate"
SKIPPED = "skipped"
DISPOSITIONS = {
    outcome.BUSY: "BUSY",
    outcome.NO_ANSWER: "NO_ANSWER",
    outcome.UNAVAILABLE: "UNAVAILABLE",
    outcome.FAILED: "FAILED",
}


_STORED = Prepared(lambda uuid: CallRecord.select(CallRecord.id).where(CallRecord.uuid == uuid), 1)


def record_call(cdr, default_domain):
    """Store ``cdr`` (an A leg) unless stored already; return STORED, DUPLICATE or SKIPPED."""
    if cdr.b_leg:
        return SKIPPED
    domain = domain_record(cdr.domain_name) or domain_record(default_domain)
    if domain is None:
        raise NoDomain(f"neither {cdr.domain_name!r} nor {default_domain!r} is a domain here")
    try:
        # One statement, atomic on its own: no transaction round trips around it (callers
        # do not wrap this in a transaction). A repeat (FreeSWITCH retrying, another
        # switchctl instance) breaks the unique call uuid: DUPLICATE. Any other broken
        # constraint (an extension removed meanwhile) is an error: FreeSWITCH retries.
        CallRecord.insert(**_row(domain, cdr)).execute()
    except peewee.IntegrityError:
        if _STORED.first(cdr.uuid) is not None:
            return DUPLICATE
        raise
    return STORED


def _row(domain, cdr):
    found = extension_records(domain.name, cdr.user_name, cdr.destination)
    caller = found[cdr.user_name].id if _from_our_user(cdr) and cdr.user_name in found else None
    callee = found[cdr.destination].id if cdr.destination in found else None
    direction, other = _classify(domain, cdr, caller, callee)
    return {
        "domain": domain.id, "uuid": cdr.uuid, "direction": direction,
        "caller_number": (cdr.user_name if caller else cdr.caller_number)[:64],
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
MAX_PAGE = 100_000  # 5,000,000 records deep: a page beyond is a typo, not a search


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
    """``(records, more)``: one page of matching calls, newest first, and whether more follow.

    "Calls of extension X" (X called or was called) and "calls with number N" are
    each the union of two index range scans, newest first; reading only (start, id)
    from each and merging them here keeps a deep page as cheap as the first.
    """
    _check(query)
    wanted = query.page * query.per_page + 1
    keys = set()
    for side in _sides(query):
        scan = (_filtered(query).where(side).select(CallRecord.start, CallRecord.id)
                .order_by(CallRecord.start.desc(), CallRecord.id.desc()).limit(wanted))
        keys.update(scan.tuples())
    page = sorted(keys, reverse=True)[(query.page - 1) * query.per_page:wanted]
    ids = [record_id for _, record_id in page[:query.per_page]]
    records = (CallRecord.select().where(CallRecord.id.in_(ids))
               .order_by(CallRecord.start.desc(), CallRecord.id.desc()))
    return list(records), len(page) > query.per_page


def _check(query):
    if query.kind not in CALL_TYPES:
        raise ValidationError(f"call type must be one of {', '.join(CALL_TYPES)}")
    if query.start and query.end and query.end < query.start:
        raise ValidationError("the end date is before the start date")
    if not 1 <= query.page <= MAX_PAGE:
        raise ValidationError(f"page must be from 1 to {MAX_PAGE}")
    if not 1 <= query.per_page <= 500:
        raise ValidationError("per_page must be from 1 to 500")


def _sides(query):
    """The conditions whose index scans together cover the search. An extension's records
    are all in its domain: its sides leave the domain out, so that SQLite picks the
    (extension, start) indexes rather than (domain, start)."""
    if query.extension_id is not None:
        return [CallRecord.caller_extension == query.extension_id,
                CallRecord.callee_extension == query.extension_id]
    in_domain = CallRecord.domain == query.domain_id
    if query.number:
        return [in_domain & (CallRecord.caller_number == query.number),
                in_domain & (CallRecord.callee_number == query.number)]
    return [in_domain]


def _filtered(query):
    records = CallRecord.select()
    if query.start:
        records = records.where(CallRecord.start >= _midnight(query.start))
    if query.end and query.end < datetime.date.max:  # the last day has no next midnight
        records = records.where(CallRecord.start < _midnight(query.end, days=1))
    if query.kind != "all":
        records = records.where(CallRecord.direction == query.kind)
    if query.number:
        records = records.where((CallRecord.caller_number == query.number)
                                | (CallRecord.callee_number == query.number))
    return records


def _midnight(day, days=0):
    return datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time())
