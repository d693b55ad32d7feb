"""``switchctl calls``: search call records (newest first)."""

import argparse
import json

from switchctl.cli.common import date_argument, existing_extension, handles
from switchctl.config import whole_number
from switchctl.services import call_records


def add_parser(commands):
    parser = commands.add_parser("calls", help="search call records (newest first)")
    parser.add_argument("--extension", type=_given, help="only this extension's calls")
    parser.add_argument("--from", dest="start", type=date_argument, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=date_argument, help="last day, YYYY-MM-DD")
    parser.add_argument("--type", dest="kind", default="all", choices=call_records.CALL_TYPES)
    parser.add_argument("--number", type=_given, help="the other party's number")
    parser.add_argument("--page", type=_page, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    handles(parser, cmd_calls)


def _given(text):
    """A filter's value: an empty one would match every call."""
    if not text.strip():
        raise argparse.ArgumentTypeError("expected a value, got an empty one")
    return text


def _page(text):
    number = whole_number(text)
    if number is None or not 1 <= number <= call_records.MAX_PAGE:
        raise argparse.ArgumentTypeError(
            f"expected a page number from 1 to {call_records.MAX_PAGE}, got {text!r}")
    return number


def cmd_calls(domain, args):
    extension_id = None
    if args.extension is not None:
        extension_id = existing_extension(domain, args.extension).id
    records, more = call_records.search(call_records.CallQuery(
        domain.id, extension_id, args.start, args.end, args.kind, args.number or "", args.page))
    for record in records:
        print(_call_line(record, args.json))
    if more and not args.json:
        print(f"(more: --page {args.page + 1})")
    return 0


def _call_line(record, as_json):
    fields = {
        "uuid": record.uuid, "start": record.start.isoformat(sep=" "),
        "direction": record.direction, "from": record.caller_number,
        "to": record.callee_number, "duration": record.duration, "billsec": record.billsec,
        "disposition": record.disposition,
    }
    if as_json:
        return json.dumps(fields)
    columns = ("start", "direction", "from", "to", "billsec", "disposition")
    return "\t".join(str(fields[column]) for column in columns)
