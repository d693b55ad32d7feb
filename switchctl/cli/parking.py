"""``switchctl parking show|set``: the domain's parking lot (manual §2.3), the slots ``*4#``
parks in and how long a parked call waits before it rings the parker again. The calls
parked now: ``switchctl status``."""

from switchctl.cli.common import handles
from switchctl.services import parking


def add_parser(commands):
    actions = commands.add_parser(
        "parking", help="the parking lot: its slots and how long a call waits").add_subparsers(
        dest="action", required=True)
    handles(actions.add_parser("show", help="the slots and the wait"), cmd_parking_show)
    change = actions.add_parser("set", help="change the slots or the wait")
    change.add_argument("--slots", help="a range such as 41-49 (no number in use may be in it)")
    change.add_argument("--seconds", help=f"how long a parked call waits "
                                          f"({parking.MIN_SECONDS}-{parking.MAX_SECONDS})")
    handles(change, cmd_parking_set)


def _show(lot):
    print(f"slots {lot.shown}\nwait {lot.seconds} s")
    return 0


def cmd_parking_show(domain, args):
    return _show(parking.lot(domain))


def cmd_parking_set(domain, args):
    return _show(parking.set_lot(domain, slots=args.slots, seconds=args.seconds))
