"""``switchctl portal enable|disable [EXTENSION...]``, ``switchctl portal logout``,
``switchctl portal totp-reset ACCOUNT`` and ``switchctl account add|list|role|passwd|remove``."""

from switchctl.cli.common import command, handles, print_password
from switchctl.passwords import generate_password
from switchctl.services import accounts as account_service
from switchctl.services import domains as domain_service
from switchctl.services import extensions as extension_service
from switchctl.services import logins, totp


def add_parser(commands):
    portal = commands.add_parser(
        "portal", help="turn the user portal on or off (for the domain, or for extensions); "
        "end portal sessions")
    states = portal.add_subparsers(dest="state", required=True)
    for state in ("enable", "disable"):
        switch = states.add_parser(state, help=f"{state} the user portal")
        # A default keeps argparse from calling the optional EXTENSION list "required".
        switch.add_argument("numbers", nargs="*", default=[], metavar="EXTENSION",
                            help="only these extensions (the domain's switch stays as it is)")
        handles(switch, cmd_portal)
    _add_logout(states)
    reset = states.add_parser("totp-reset", help="turn an account's two-step login (TOTP) "
                              "off, for an administrator who lost the authenticator app")
    reset.add_argument("username", metavar="ACCOUNT")
    handles(reset, cmd_totp_reset)
    account = commands.add_parser("account", help="portal accounts for admins and operators")
    actions = account.add_subparsers(dest="action", required=True)
    add = command(actions, "add", cmd_account_add, "add an admin or operator account",
                  "username")
    add.add_argument("--role", choices=["admin", "operator"], required=True)
    add.add_argument("--password", help="(default: a strong generated one, printed)")
    _add_account_actions(actions)


def _add_logout(states):
    logout = states.add_parser("logout", help="log users out everywhere: end their portal "
                               "sessions now")
    whose = logout.add_mutually_exclusive_group(required=True)
    whose.add_argument("names", nargs="*", default=[], metavar="EXTENSION|ACCOUNT")
    whose.add_argument("--all", action="store_true", help="every session of the domain")
    handles(logout, cmd_logout)


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


def cmd_logout(domain, args):
    ended = logins.end_all_sessions(domain) if args.all else \
        logins.end_sessions(domain, args.names)
    print(f"ended {ended} portal session{'' if ended == 1 else 's'}")
    return 0


def cmd_account_add(domain, args):
    password = args.password or generate_password()
    logins.add_account(domain, args.username, args.role, password)
    print(f"added {args.role} account {args.username}")
    print_password(password, args.password)
    return 0


def cmd_totp_reset(domain, args):
    had = totp.reset(domain, args.username)
    print(f"two-step login {'turned off' if had else 'was not on'} for {args.username}")
    return 0


def _add_account_actions(actions):
    handles(actions.add_parser("list", help="list the accounts"), cmd_account_list)
    command(actions, "role", cmd_account_role, "make an account an admin or an operator "
            "(the domain keeps one admin)", "username").add_argument(
        "role", choices=["admin", "operator"])
    command(actions, "passwd", cmd_account_passwd, "set a new password (printed if "
            "generated); the account's sessions end", "username").add_argument("--password")
    command(actions, "remove", cmd_account_remove, "remove an account (not the last admin)",
            "username")


def cmd_account_list(domain, args):
    accounts = account_service.list_accounts(domain)
    for account in accounts:
        print(f"{account.username}\t{account.role}\t{'totp' if account.totp_secret else '-'}")
    if not accounts:
        print("no accounts (add one: switchctl account add NAME --role admin)")
    return 0


def cmd_account_role(domain, args):
    account = account_service.find_account(domain, args.username)
    account_service.set_role(account, args.role)
    print(f"{account.username} is now {account.role}")
    return 0


def cmd_account_passwd(domain, args):
    account = account_service.find_account(domain, args.username)
    password = args.password or generate_password()
    account_service.set_account_password(account, password)
    print(f"password of {account.username} changed")
    print_password(password, args.password)
    return 0


def cmd_account_remove(domain, args):
    account_service.remove_account(account_service.find_account(domain, args.username))
    print(f"removed account {args.username}")
    return 0
