"""``switchctl blacklist list|add|remove``: outside numbers that may not call in (the
list the phone's *75/*76/*075 change)."""

from switchctl.cli.common import handles
from switchctl.services import ValidationError, blacklist


def add_parser(commands):
    actions = commands.add_parser(
        "blacklist", help="outside numbers that may not call in").add_subparsers(
        dest="action", required=True)
    listing = actions.add_parser("list", help="list blacklisted numbers, a page at a time")
    listing.add_argument("--search", default="", help="digits the number contains")
    listing.add_argument("--page", type=int, default=1)
    handles(listing, cmd_blacklist_list)
    for action, handler, summary in (("add", cmd_blacklist_add, "blacklist numbers"),
                                     ("remove", cmd_blacklist_remove, "let numbers call in")):
        parser = actions.add_parser(action, help=summary)
        parser.add_argument("numbers", nargs="+", metavar="NUMBER")
        handles(parser, handler)


def cmd_blacklist_list(domain, args):
    if args.page < 1:
        raise ValidationError("--page must be 1 or more")
    rows, has_next = blacklist.entries(domain, args.search, args.page)
    for entry in rows:
        added_by = f"extension {entry.added_by_number}" if entry.added_by_number else "admin"
        print(f"{entry.number}\t{entry.created:%Y-%m-%d %H:%M}\t{added_by}")
    if has_next:
        print(f"(more: --page {args.page + 1})")
    return 0


def cmd_blacklist_add(domain, args):
    for number in args.numbers:
        blacklist.check_external(domain, number)  # every number checked before one is added
    for number in args.numbers:
        added = blacklist.add(domain, number)
        print(f"{number} {'blacklisted' if added else 'was blacklisted already'}")
    return 0


def cmd_blacklist_remove(domain, args):
    for number in args.numbers:
        removed = blacklist.remove(domain, number)
        print(f"{number} {'removed' if removed else 'was not blacklisted'}")
    return 0
