"""``switchctl outbox list|retry ID``: the voicemail emails, what became of each, and a
new try for a failed one."""

import argparse

from switchctl.cli.common import handles
from switchctl.config import whole_number
from switchctl.logs import one_line
from switchctl.services import voicemail_email as outbox

COLUMNS = ("ID", "MAILBOX", "TO", "STATUS", "TRIES", "NEXT TRY", "SENT", "ERROR")


def add_parser(commands):
    group = commands.add_parser("outbox", help="voicemail emails: sent, waiting or failed")
    actions = group.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the newest emails with status, tries, next "
                                 "try and the server's words")
    listing.add_argument("--open", action="store_true", help="only those still to be sent")
    listing.add_argument("--limit", type=_email_id, default=100, help="(default 100)")
    handles(listing, cmd_list)
    retry = actions.add_parser("retry", help="try a failed email again now, its tries "
                               "counted from zero")
    retry.add_argument("email_id", type=_email_id, metavar="ID")
    handles(retry, cmd_retry)


def _email_id(text):
    number = whole_number(text)
    if not number:
        raise argparse.ArgumentTypeError(f"expected a number from 1, got {text!r}")
    return number


def cmd_list(domain, args):
    rows = outbox.listing(domain, only_open=args.open, limit=args.limit)
    if not rows:
        print("no emails in the outbox")
        return 0
    print("\t".join(COLUMNS))
    for row in rows:
        print("\t".join((str(row.id), row.mailbox, row.recipient, row.status,
                         str(row.attempts), _time(row.next_try), _time(row.sent),
                         one_line(row.error) or "-")))
    return 0


def _time(value):
    return "-" if value is None else f"{value:%Y-%m-%d %H:%M:%S}"


def cmd_retry(domain, args):
    outbox.retry(domain, args.email_id)
    print(f"email {args.email_id} is tried again now (by switchctl serve)")
    return 0
