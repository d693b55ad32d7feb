"""Call records: each finished call stored once, classified for every extension in it.

A call is *internal* when one of our extensions called another (or a feature
code), *outbound* when an extension called out through the trunk, *inbound* when
an outside caller reached us. The other party's number is kept as it was dialled,
without the outbound prefix, so searches by number find it either way.
"""

import csv
import dataclasses
import datetime
import io
import re

import peewee

from switchctl.models import CallRecord, Contact, Extension
from switchctl.models.call_records import DIRECTION_INBOUND, DIRECTION_INTERNAL, DIRECTION_OUTBOUND
from switchctl.services import ValidationError
from switchctl.services.domains import domain_record, machine_zone, outbound_routes
from switchctl.services.extensions import extension_records
from switchctl.services.numbers import digits_key, split_outbound
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
EXPORT_CHUNK = 500  # records per read of an export


@dataclasses.dataclass(frozen=True)
class CallQuery:
    """A search of call records; every field optional. ``extension_id`` limits it to the calls
    of one extension (the portal's own-calls view), and ``number`` is then the other party's;
    None searches the whole domain, ``number`` on either side. ``start`` and ``end`` are days
    in ``zone`` (the domain's, for the portal); None: days of the clock records are stored in
    (the machine's, see ``stored_clock``)."""

    domain_id: int
    extension_id: int | None = None
    start: datetime.date | None = None
    end: datetime.date | None = None
    kind: str = "all"
    number: str = ""
    page: int = 1
    per_page: int = PAGE_SIZE
    zone: datetime.tzinfo | None = None


def search(query):
    """``(records, more)``: one page of matching calls, newest first, and whether more follow.

    "Calls of extension X" (X called or was called) and "calls with number N" are
    each the union of two index range scans, newest first; reading only (start, id)
    from each and merging them here keeps a deep page as cheap as the first.
    """
    check(query)
    wanted = query.page * query.per_page + 1
    page = _keys(query, wanted)[(query.page - 1) * query.per_page:]
    return _records(key[1] for key in page[:query.per_page]), len(page) > query.per_page


def export(query, chunk=EXPORT_CHUNK):
    """Every call the search finds (all its pages), newest first, as a generator that reads
    ``chunk`` records at a time: each read starts after the last record of the one before
    (keyset), so the whole result is never in memory and a deep read costs what the first
    did. Each read is done before it is yielded: the process's one connection is free for
    other work while the caller sends a chunk on."""
    check(dataclasses.replace(query, page=1, per_page=min(query.per_page, 500)))
    after = None
    while True:
        keys = _keys(query, chunk, after)
        yield from _records(key[1] for key in keys)
        if len(keys) < chunk:
            return
        after = keys[-1]


def key_scans(query, limit, after=None):
    """The index range scans whose union is the search: each reads the (start, id) of its
    first ``limit`` records, newest first, after the key ``after`` (a (start, id) read
    before)."""
    scans = []
    for side in _sides(query):
        scan = _filtered(query).where(side)
        if after is not None:
            scan = scan.where(_before(*after))
        scans.append(scan.select(CallRecord.start, CallRecord.id)
                     .order_by(CallRecord.start.desc(), CallRecord.id.desc()).limit(limit))
    return scans


def _keys(query, limit, after=None):
    keys = set()
    for scan in key_scans(query, limit, after):
        keys.update(scan.tuples())
    return sorted(keys, reverse=True)[:limit]


def _records(ids):
    ids = list(ids)
    if not ids:
        return []
    return list(CallRecord.select().where(CallRecord.id.in_(ids))
                .order_by(CallRecord.start.desc(), CallRecord.id.desc()))


def _before(start, record_id):
    # start <= the key's start bounds the index range; the rest breaks the tie on id.
    return (CallRecord.start <= start) & (
        (CallRecord.start < start) | (CallRecord.id < record_id))


def check(query):
    """Refuse (ValidationError) a query no search can run: search and export check it."""
    if query.kind not in CALL_TYPES:
        raise ValidationError("call type must be one of %(types)s",
                              {"types": ", ".join(CALL_TYPES)})
    if query.start and query.end and query.end < query.start:
        raise ValidationError("the end date is before the start date")
    if not 1 <= query.page <= MAX_PAGE:
        raise ValidationError("page must be from 1 to %(most)s", {"most": MAX_PAGE})
    if not 1 <= query.per_page <= 500:
        raise ValidationError("per_page must be from 1 to 500")


def _sides(query):
    """The conditions whose index scans together cover the search. An extension's records
    are all in its domain: its sides leave the domain out, so that SQLite picks the
    (extension, start) indexes rather than (domain, start). With the other party's number
    too, each side is the calls one way: the extension called N (N is the callee), or N
    called the extension (N is the caller)."""
    in_domain = CallRecord.domain == query.domain_id
    me = query.extension_id
    if me is not None and query.number:
        return [in_domain & (CallRecord.callee_number == query.number)
                & (CallRecord.caller_extension == me),
                in_domain & (CallRecord.caller_number == query.number)
                & (CallRecord.callee_extension == me)]
    if me is not None:
        return [CallRecord.caller_extension == me, CallRecord.callee_extension == me]
    if query.number:
        return [in_domain & (CallRecord.caller_number == query.number),
                in_domain & (CallRecord.callee_number == query.number)]
    return [in_domain]


def _filtered(query):
    records = CallRecord.select()
    first = query.start and stored_midnight(query.start, query.zone)
    if first:
        records = records.where(CallRecord.start >= first)
    after_last = query.end and stored_midnight(query.end, query.zone, days=1)
    if after_last:  # none after the last day there is
        records = records.where(CallRecord.start < after_last)
    if query.kind != "all":
        records = records.where(CallRecord.direction == query.kind)
    return records


def stored_midnight(day, zone, days=0):
    """The midnight that starts ``day`` (+ ``days``) in ``zone``, on the stored clock; None
    beyond the calendar (no bound)."""
    try:
        wall = datetime.datetime.combine(day + datetime.timedelta(days=days), datetime.time())
        return stored_time(wall, zone)
    except OverflowError:
        return None


# Times: call records keep the start, answer and end of a call on this machine's clock,
# naive (xml_cdr.parse: datetime.fromtimestamp; recordings: models.base.now); people give
# and read times in their domain's zone (services.domains.time_zone).

def stored_clock():
    """The zone of the clock stored times are on: the machine's."""
    return machine_zone()


def stored_time(wall, zone):
    """The wall-clock time ``wall`` of ``zone`` (None: the stored clock) on the stored clock."""
    stored = stored_clock()
    if zone is None or zone is stored:
        return wall
    return wall.replace(tzinfo=zone).astimezone(stored).replace(tzinfo=None)


def local_time(moment, zone):
    """A stored time as the wall-clock time of ``zone`` (None: as stored), naive."""
    stored = stored_clock()
    if zone is None or zone is stored or moment is None:
        return moment
    return moment.replace(tzinfo=stored).astimezone(zone).replace(tzinfo=None)


# What the portal shows of a call beside the record itself.

def other_party(record, extension_id):
    """The number of the other party of the call, as extension ``extension_id`` sees it."""
    return record.callee_number if made_by(record, extension_id) else record.caller_number


def made_by(record, extension_id):
    """Did extension ``extension_id`` place the call (rather than take it)?"""
    return record.caller_extension_id == extension_id


def party_names(domain_id, extension_id, records):
    """``{record id: name}`` of the other party of an extension's calls, as it may know them:
    a colleague's extension name (an internal call), else the name of a contact it may see
    (its own first). Two queries however many records: never one per row."""
    colleagues, outside = {}, {}
    for record in records:
        other = (record.callee_extension_id if made_by(record, extension_id)
                 else record.caller_extension_id)
        if record.direction == DIRECTION_INTERNAL and other is not None:
            colleagues[record.id] = other
        else:
            key = digits_key(other_party(record, extension_id))
            if key:
                outside[record.id] = key
    named = _extension_names(domain_id, set(colleagues.values()))
    known = _contact_names(domain_id, extension_id, set(outside.values()))
    names = {rid: named[other] for rid, other in colleagues.items() if other in named}
    names.update({rid: known[key] for rid, key in outside.items() if key in known})
    return names


def _extension_names(domain_id, ids):
    if not ids:
        return {}
    return dict(Extension.select(Extension.id, Extension.name)
                .where(Extension.domain == domain_id, Extension.id.in_(list(ids))).tuples())


def _contact_names(domain_id, extension_id, keys):
    if not keys:
        return {}
    # Only the phone_key index can serve this: a condition on the domain or the owner in
    # the query makes SQLite read the whole domain's phonebook, or every shared contact,
    # by theirs. So the rows of these numbers are read, and the domain and the visibility
    # rule (services.contacts.visible_to: shared, or the extension's own) checked here.
    rows = (Contact.select(Contact.phone_key, Contact.name, Contact.domain, Contact.owner)
            .where(Contact.phone_key.in_(list(keys))).order_by(Contact.id).tuples())
    own, shared = {}, {}
    for key, name, domain, owner in rows:
        if domain == domain_id and owner in (None, extension_id):
            (shared if owner is None else own).setdefault(key, name)
    return {**shared, **own}  # the extension's own contact first, then the oldest shared


# CSV: the whole result of a search, a chunk at a time.

CSV_COLUMNS = ("start", "direction", "caller", "caller_name", "callee", "other_party",
               "other_party_name", "duration", "billsec", "disposition", "hangup_cause", "uuid")
# A cell a spreadsheet would run as a formula; a phone number's + or - stays as it is.
_FORMULA = re.compile(r"^(?:[=@\t\r]|[+-](?![0-9 ()-]*\Z))")


def export_csv(query, chunk=EXPORT_CHUNK):
    """The CSV text of ``export(query)``: the header, then a piece per chunk read (a
    generator). Times are on ``query.zone``'s clock; names as ``party_names`` gives them
    (``query.extension_id``'s view)."""
    yield _csv_lines([CSV_COLUMNS])
    batch = []
    for record in export(query, chunk):
        batch.append(record)
        if len(batch) == chunk:
            yield _csv_chunk(query, batch)
            batch = []
    if batch:
        yield _csv_chunk(query, batch)


def _csv_chunk(query, records):
    me = query.extension_id
    names = party_names(query.domain_id, me, records) if me is not None else {}
    return _csv_lines([
        (local_time(r.start, query.zone).isoformat(sep=" "), r.direction, r.caller_number,
         r.caller_name, r.callee_number, other_party(r, me) if me is not None else "",
         names.get(r.id, ""), r.duration, r.billsec, r.disposition, r.hangup_cause, r.uuid)
        for r in records])


def _csv_lines(rows):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


def _cell(value):
    text = str(value)
    return "'" + text if _FORMULA.match(text) else text
