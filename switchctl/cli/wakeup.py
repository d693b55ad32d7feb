"""``switchctl wakeup list|add EXT WHEN|cancel ID|settings|set KEY VALUE``: wake-up calls
for ops, in the domain's time zone."""

import argparse

from switchctl.cli.common import existing_extension, handles, print_setting, print_settings
from switchctl.services import wakeup


def when_argument(text):
    """MMDDHHMM or HHMM that could name a moment (which year is decided on booking)."""
    try:
        wakeup.when_fields(text)
    except wakeup.WhenError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def call_id(text):
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        raise argparse.ArgumentTypeError(f"{text!r} is not a wake-up call id (a number)")
    return int(text)


def add_parser(commands):
    actions = commands.add_parser("wakeup", help="wake-up calls (the time zone is the "
                                                 "domain setting timezone)").add_subparsers(
        dest="action", required=True)
    listing = actions.add_parser("list", help="the wake-up calls still to ring")
    listing.add_argument("--all", action="store_true", help="the ended ones too")
    handles(listing, cmd_list)
    add = actions.add_parser("add", help="book a wake-up call at the next such time")
    add.add_argument("extension")
    add.add_argument("when", type=when_argument, help="MMDDHHMM or HHMM")
    handles(add, cmd_add)
    cancel = actions.add_parser("cancel", help="cancel one wake-up call")
    cancel.add_argument("id", type=call_id)
    handles(cancel, cmd_cancel)
    handles(actions.add_parser("settings", help="the wake-up settings in force"), cmd_settings)
    change = actions.add_parser("set", help="change a wake-up setting ('' for the default)")
    change.add_argument("key", choices=wakeup.SETTING_KEYS)
    change.add_argument("value")
    handles(change, cmd_set)


def cmd_list(domain, args):
    rows = wakeup.listing(domain, everything=args.all)
    for row in rows:
        print(row)
    if not rows:
        print("no wake-up calls" if args.all else "no wake-up calls to ring")
    return 0


def cmd_add(domain, args):
    booked = wakeup.schedule(existing_extension(domain, args.extension), args.when)
    zone = wakeup.settings(domain).zone
    print(f"wake-up call {booked.id} for {args.extension} at "
          f"{wakeup.local_time(booked.at, zone):%Y-%m-%d %H:%M} ({_zone_name(zone)})")
    return 0


def cmd_cancel(domain, args):
    wakeup.cancel_by_id(domain, args.id)
    print(f"wake-up call {args.id} cancelled")
    return 0


def cmd_settings(domain, args):
    return print_settings(wakeup.setting_values(domain))


def cmd_set(domain, args):
    wakeup.set_setting(domain, args.key, args.value)
    return print_setting(wakeup.setting_values(domain), args.key)


def _zone_name(zone):
    return "the machine's time zone" if str(zone) == "localtime" else str(zone)
