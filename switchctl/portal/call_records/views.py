"""The call records page (``/calls``): an extension user's own calls, searched as the
CooVox manual's §1.4 does (date range, type, the other party's number, alone or combined),
newest first, paged, with a CSV export of the whole result.

The search always runs as the logged-in extension (services.call_records.CallQuery's
``extension_id`` is the login's, never a value from the request), so no query string can
reach another extension's calls. Dates are days in the domain's time zone.
"""

import datetime
import logging
import re

import peewee
from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from switchctl.db import database_failed
from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal import paging
from switchctl.portal.access import roles_required
from switchctl.portal.i18n import error_text
from switchctl.portal.lookups import my_extension
from switchctl.services import ValidationError, call_records, recordings
from switchctl.services.domains import time_zone

blueprint = Blueprint("call_records", __name__, template_folder="templates")
log = logging.getLogger(__name__)

FIELDS = ("start", "end", "kind", "number")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
MAX_NUMBER = 64
KINDS = (("all", _l("All")), ("inbound", _l("Inbound")), ("outbound", _l("Outbound")),
         ("internal", _l("Internal")))
DIRECTIONS = {"inbound": _l("Inbound"), "outbound": _l("Outbound")}
INTERNAL = {True: _l("Internal, made"), False: _l("Internal, received")}
OUTCOMES = {
    "ANSWERED": _l("Answered"), "CANCELLED": _l("Cancelled by the caller"),
    "BUSY": _l("Busy"), "NO_ANSWER": _l("No answer"), "UNAVAILABLE": _l("Unavailable"),
    "FAILED": _l("Failed"),
}
# Why a call that was not answered ended, in words (FreeSWITCH's hangup causes).
CAUSES = {
    "USER_BUSY": _l("the line was busy"), "CALL_REJECTED": _l("the call was rejected"),
    "NO_ANSWER": _l("nobody answered"), "NO_USER_RESPONSE": _l("nobody answered"),
    "USER_NOT_REGISTERED": _l("the phone was not connected"),
    "SUBSCRIBER_ABSENT": _l("the phone was not connected"),
    "UNALLOCATED_NUMBER": _l("no such number"),
    "NO_ROUTE_DESTINATION": _l("no route to the number"),
    "NORMAL_TEMPORARY_FAILURE": _l("a temporary failure"),
    "DESTINATION_OUT_OF_ORDER": _l("the other end is out of order"),
    "RECOVERY_ON_TIMER_EXPIRE": _l("the network did not reply"),
    "INCOMPATIBLE_DESTINATION": _l("the other end cannot take this call"),
    "NORMAL_CLEARING": _l("hung up"),
}
# Excel reads a UTF-8 CSV (Chinese names) as UTF-8 only when it starts with the BOM.
BOM = "\ufeff"


def criteria():
    """``(the fields as typed, CallQuery fields, error message or None)`` from the query
    string; every field may be left empty."""
    typed = {name: request.args.get(name, "").strip() for name in FIELDS}
    typed["kind"] = typed["kind"] or "all"
    fields, error = {}, None
    for name, message in (("start", _("The start date is not a date: write it as 2018-03-14.")),
                          ("end", _("The end date is not a date: write it as 2018-03-14."))):
        day = parse_day(typed[name])
        if day is False:
            error = error or message
        fields[name] = day or None
    if typed["kind"] not in dict(KINDS):
        error = error or _("Choose the type of call from the list.")
    number = typed["number"]
    if len(number) > MAX_NUMBER or not number.isprintable():
        error = error or _("The number is too long or holds characters no number has.")
    fields.update(kind=typed["kind"], number=number)
    return typed, fields, error


def parse_day(text):
    """A day written YYYY-MM-DD (what a date field sends); None for none, False for text
    that names no day."""
    if not text:
        return None
    if not DATE.match(text):
        return False
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        return False


def build_query(extension, fields, page=1):
    return call_records.CallQuery(domain_id=extension.domain_id, extension_id=extension.id,
                                  page=page, zone=time_zone(extension.domain_id), **fields)


@blueprint.get("/calls")
@roles_required(ROLE_EXTENSION)
def index():
    extension = my_extension()
    typed, fields, error = criteria()
    number = paging.page_number()
    query = build_query(extension, fields, number)
    found, more = [], False
    if error is None:
        try:
            found, more = call_records.search(query)
        except ValidationError as exc:
            error = error_text(exc)
    page = render_template("call_records/index.html", typed=typed, kinds=KINDS, error=error,
                           rows=rows(extension, found, query.zone), page_number=number,
                           has_next=more,
                           csv_url=url_for(".export", **_given(typed)))
    return page, 400 if error else 200


def rows(extension, found, zone):
    """What the table shows of each call (times in ``zone``): the names and the recordings
    of the whole page in one query each."""
    if not found:
        return []
    names = call_records.party_names(extension.domain_id, extension.id, found)
    recorded = recordings.recordings_of_calls(extension, [r.uuid for r in found])
    return [{"record": record, "time": call_records.local_time(record.start, zone),
             "direction": direction(record, extension.id),
             "other": call_records.other_party(record, extension.id),
             "name": names.get(record.id, ""), "outcome": outcome(record),
             "recording": recorded.get(record.uuid)} for record in found]


def direction(record, extension_id):
    if record.direction == "internal":
        return INTERNAL[call_records.made_by(record, extension_id)]
    return DIRECTIONS.get(record.direction, record.direction)


def outcome(record):
    """The call's outcome in words: answered, or what kept it from being answered."""
    said = OUTCOMES.get(record.disposition)
    if said is None:
        return record.disposition or record.hangup_cause
    cause = CAUSES.get(record.hangup_cause)
    if record.disposition in ("ANSWERED", "CANCELLED") or cause is None:
        return str(said)
    return _("%(outcome)s: %(cause)s", outcome=said, cause=cause)


def length(seconds):
    """A duration as m:ss (h:mm:ss from an hour)."""
    minutes, seconds = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02}:{seconds:02}" if hours else f"{minutes}:{seconds:02}"


blueprint.add_app_template_filter(length, "call_length")


@blueprint.get("/calls/export.csv")
@roles_required(ROLE_EXTENSION)
def export():
    """Every call of the search (all its pages) as CSV, streamed a chunk at a time."""
    extension = my_extension()
    typed, fields, error = criteria()
    query = build_query(extension, fields)
    if error is None:
        try:
            call_records.check(query)  # before the answer begins
        except ValidationError as exc:
            error = error_text(exc)
    if error is not None:
        return render_template("call_records/index.html", typed=typed, kinds=KINDS,
                               error=error, rows=[], page_number=1, has_next=False,
                               csv_url=url_for(".export", **_given(typed))), 400
    response = Response(_guarded(call_records.export_csv(query)),
                        mimetype="text/csv", content_type="text/csv; charset=utf-8")
    name = f"calls-{extension.number}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _guarded(pieces):
    """The CSV pieces, the BOM first; a database failure midway ends the download (the
    answer has begun: it cannot become an error page) and is logged."""
    yield BOM
    try:
        yield from pieces
    except peewee.PeeweeException as exc:
        database_failed(exc, log, "call records: the CSV export stopped")


def _given(typed):
    return {name: value for name, value in typed.items()
            if value and not (name == "kind" and value == "all")}
