"""``switchctl portal enable|disable [EXTENSION...]`` and ``switchctl account add``."""

from switchctl.cli.common import handles, print_password
from switchctl.passwords import generate_password
from switchctl.services import domains as domain_service
from switchctl.services import extensions as extension_service
from switchctl.services import logins


def add_parser(commands):
    portal = commands.add_parser(
        "portal", help="turn the user portal on or off (for the domain, or for extensions)")
    portal.add_argument("state", choices=["enable", "disable"])
    # A default keeps argparse from calling the optional EXTENSION list "required".
    portal.add_argument("numbers", nargs="*", default=[], metavar="EXTENSION",
                        help="only these extensions (the domain's switch stays as it is)")
    handles(portal, cmd_portal)
    account = commands.add_parser("account", help="portal accounts for admins and operators")
    add = account.add_subparsers(dest="action", required=True).add_parser(
        "add", help="add an admin or operator account")
    add.add_argument("username")
    add.add_argument("--role", choices=["admin", "operator"], required=True)
    add.add_argument("--password", help="(default: a strong generated one, printed)")
    handles(add, cmd_account_add)


def cmd_portal(domain, args):
    enabled = args.state == "enable"
    if not args.numbers:
        domain_service.set_portal_enabled(domain, enabled)
        print(f"user portal {args.state}d")
        return 0
    extension_service.set_portal_access(domain, args.numbers, enabled)
    print(f"user portal {args.state}d for {', '.join(args.numbers)}")
    if enabled and not domain_service.portal_enabled(domain):
        print("note: the user portal is off for the domain ('switchctl portal enable')")
    return 0


def cmd_account_add(domain, args):
    password = args.password or generate_password()
    logins.add_account(domain, args.username, args.role, password)
    print(f"added {args.role} account {args.username}")
    print_password(password, args.password)
    return 0
