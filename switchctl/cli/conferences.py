"""``switchctl conference list|add|remove|set``: conference rooms (manual §2.8)."""

from switchctl import schema
from switchctl.cli.common import DATABASE, command, handles
from switchctl.esl.conference_members import SwitchUnavailable, members
from switchctl.services import ValidationError, conferences
from switchctl.services import domains as domain_service


def add_parser(commands):
    actions = commands.add_parser(
        "conference", help="manage conference rooms (number, admin PIN, user PIN)"
    ).add_subparsers(dest="action", required=True)
    handles(actions.add_parser("list", help="list conference rooms"), cmd_conference_list)
    add = command(actions, "add", cmd_conference_add, "add a conference room", "number")
    add.add_argument("--admin-pin", required=True, help="3 to 8 digits: may invite others")
    add.add_argument("--user-pin", default="", help="3 to 8 digits (default: none)")
    add.add_argument("--name", default="")
    command(actions, "remove", cmd_conference_remove, "remove a conference room", "number")
    change = command(actions, "set", cmd_conference_set, "change a room's number, name or PINs",
                     "number")
    change.add_argument("--number", dest="new_number")
    change.add_argument("--admin-pin")
    change.add_argument("--user-pin", help="'' for none")
    change.add_argument("--name")
    listing = actions.add_parser("members", help="who is in a room now (asks the switch)")
    listing.add_argument("number")
    handles(listing, cmd_conference_members, needs=DATABASE)


def cmd_conference_list(domain, args):
    for room in conferences.list_rooms(domain):
        print(f"{room.number}\t{room.name or '-'}\tadmin PIN {room.admin_pin}\t"
              f"user PIN {room.user_pin or '-'}")
    return 0


def cmd_conference_add(domain, args):
    room = conferences.add_room(domain, args.number, args.admin_pin, args.user_pin, args.name)
    print(f"added conference room {room.number}")
    return 0


def cmd_conference_remove(domain, args):
    conferences.remove_room(conferences.room_by_number(domain, args.number))
    print(f"removed conference room {args.number}")
    return 0


def cmd_conference_set(domain, args):
    room = conferences.update_room(conferences.room_by_number(domain, args.number),
                                   number=args.new_number, admin_pin=args.admin_pin,
                                   user_pin=args.user_pin, name=args.name)
    print(f"conference room {room.number} saved")
    return 0


def cmd_conference_members(db, settings, args):
    """``conference members ROOM``: one line a member (who, moderator, muted, talking)."""
    schema.require_current(db)
    domain = domain_service.find_domain(settings.domain)
    if domain is None:
        raise ValidationError(f"domain {settings.domain} does not exist: run 'switchctl init'")
    room = conferences.room_by_number(domain, args.number)
    try:
        found = members(settings.esl, room.number, domain.name, settings.esl_password)
    except SwitchUnavailable as exc:
        raise ValidationError(f"cannot list room {room.number}: {exc}") from None
    if not found:
        print(f"room {room.number}: nobody")
    for member in found:
        state = [word for word, on in (("moderator", member.moderator),
                                       ("muted", member.muted), ("talking", member.talking)) if on]
        print(f"{member.number or '-'}\t{member.name or '-'}\t{' '.join(state) or '-'}\t"
              f"{member.seconds} s")
    return 0
