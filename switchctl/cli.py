"""``switchctl``: set up the database, manage extensions, run the service."""

import argparse
import base64
import datetime
import json
import logging
import sys
import urllib.request
from pathlib import Path

import peewee

from switchctl import config as config_module
from switchctl import schema
from switchctl.db import DatabaseURLError, open_database
from switchctl.passwords import generate_password
from switchctl.services import ValidationError, call_records
from switchctl.services import domains as domain_service
from switchctl.services import extensions as extension_service
from switchctl.services import logins
from switchctl.services.demo import seed_demo

log = logging.getLogger("switchctl")


class UsageError(Exception):
    """Bad command-line arguments."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    parser = Parser(prog="switchctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    init = commands.add_parser("init", help="create or upgrade the database (idempotent)")
    init.add_argument("--demo", action="store_true", help="add demo extensions if there are none")
    commands.add_parser("serve", help="run xml_curl, CDR intake, the event listener and the portal")
    commands.add_parser("status", help="the switch connection and every extension's live state")
    _extension_commands(commands.add_parser("extension", help="manage extensions"))
    _calls_command(commands.add_parser("calls", help="search call records (newest first)"))
    portal = commands.add_parser(
        "portal", help="turn the user portal on or off (for the domain, or for extensions)")
    portal.add_argument("state", choices=["enable", "disable"])
    portal.add_argument("numbers", nargs="*", metavar="EXTENSION",
                        help="only these extensions (the domain's switch stays as it is)")
    account = commands.add_parser("account", help="portal accounts for admins and operators")
    account_actions = account.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = account_actions.add_parser("add", help="add an admin or operator account")
    add.add_argument("username")
    add.add_argument("--role", choices=["admin", "operator"], required=True)
    add.add_argument("--password", help="(default: a strong generated one, printed)")
    return parser


def _extension_commands(parser):
    actions = parser.add_subparsers(dest="action", required=True, parser_class=Parser)
    add = actions.add_parser("add", help="add one extension")
    add.add_argument("number")
    add.add_argument("--name", required=True)
    add.add_argument("--password", help="SIP password (default: a strong generated one)")
    add.add_argument("--department", default="")
    add.add_argument("--email", default="")
    actions.add_parser("list", help="list extensions")
    remove = actions.add_parser("remove", help="remove an extension")
    remove.add_argument("number")
    imp = actions.add_parser("import", help="import a CSV file (number,name,password[,...])")
    imp.add_argument("file", type=Path)
    caller_id = actions.add_parser("caller-id", help="set the caller ID number used on the trunk")
    caller_id.add_argument("number")
    caller_id.add_argument("caller_id", help="digits (optionally +), or '' to clear")
    passwd = actions.add_parser("passwd", help="set a new SIP password (printed if generated)")
    passwd.add_argument("number")
    passwd.add_argument("--password")


def _calls_command(parser):
    parser.add_argument("--extension", help="only this extension's calls")
    parser.add_argument("--from", dest="start", type=_date, help="first day, YYYY-MM-DD")
    parser.add_argument("--to", dest="end", type=_date, help="last day, YYYY-MM-DD")
    parser.add_argument("--type", dest="kind", default="all", choices=call_records.CALL_TYPES)
    parser.add_argument("--number", default="", help="the other party's number")
    parser.add_argument("--page", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        settings = config_module.load()
        _configure_logging(settings.log_level)
        return run(args, settings)
    except UsageError as exc:
        return _fail(f"{exc} (see 'switchctl --help')", 2)
    except (ValidationError, config_module.ConfigError, schema.SchemaError,
            DatabaseURLError) as exc:
        return _fail(str(exc))
    except peewee.PeeweeException as exc:
        return _fail(f"database error: {exc}")
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        return 130


def _fail(message, code=1):
    print(f"switchctl: error: {message}", file=sys.stderr)
    return code


def _configure_logging(level):
    logging.basicConfig(level=getattr(logging, level, logging.INFO),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def run(args, settings):
    if args.command == "serve":
        from switchctl.server import serve

        serve(settings)
        return 0
    if args.command == "status":
        return cmd_status(settings)
    db = open_database(settings.database)
    with db.connection_context():
        if args.command == "init":
            return cmd_init(db, settings, args)
        domain = _domain(db, settings)
        handler = COMMANDS[(args.command, getattr(args, "action", None))]
        return handler(domain, args)


def _domain(db, settings):
    schema.require_current(db)
    domain = domain_service.find_domain(settings.domain)
    if domain is None:
        raise ValidationError(f"domain {settings.domain} does not exist: run 'switchctl init'")
    return domain


def cmd_init(db, settings, args):
    before, after = schema.upgrade(db)
    state = "created" if before == 0 else ("up to date" if before == after else "upgraded")
    print(f"database {state} (schema version {after})")
    domain = domain_service.ensure_domain(settings.domain)
    print(f"domain {domain.name}")
    if args.demo:
        for number, name, password in seed_demo(domain):
            print(f"demo extension {number} ({name}) password {password}")
    return 0


def cmd_extension_add(domain, args):
    extension, password = extension_service.add_extension(
        domain, args.number, args.name, args.password, args.department, args.email)
    print(f"added extension {extension.number}")
    if not args.password:
        print(f"password {password}")
    return 0


def cmd_extension_list(domain, args):
    for extension in extension_service.list_extensions(domain):
        department = extension.department.name if extension.department else "-"
        print(f"{extension.number}\t{extension.name}\t{department}\t{extension.email or '-'}")
    return 0


def cmd_extension_remove(domain, args):
    extension_service.remove_extension(domain, args.number)
    print(f"removed extension {args.number}")
    return 0


def cmd_extension_import(domain, args):
    try:
        text = args.file.read_text(encoding="utf-8-sig", errors="strict")
    except UnicodeDecodeError as exc:
        raise ValidationError(f"{args.file}: not UTF-8 text (byte {exc.start}); save the CSV "
                              "as UTF-8") from None
    try:
        report = extension_service.import_csv(domain, text)
    except extension_service.ImportRejected as exc:
        for line, message in exc.errors:
            print(f"{args.file}:{line}: {message}", file=sys.stderr)
        raise
    print(f"imported {report.created} extension(s)")
    return 0


def _existing(domain, number):
    extension = extension_service.find_extension(domain, number)
    if extension is None:
        raise ValidationError(f"extension {number} does not exist")
    return extension


def cmd_extension_caller_id(domain, args):
    extension_service.set_outbound_caller_id(_existing(domain, args.number), args.caller_id)
    print(f"outbound caller ID of {args.number}: {args.caller_id or 'trunk default'}")
    return 0


def cmd_extension_passwd(domain, args):
    extension = _existing(domain, args.number)
    password = args.password or generate_password()
    extension_service.set_password(extension, password)
    print(f"password of {extension.number} changed")
    if not args.password:
        print(f"password {password}")
    return 0


def cmd_calls(domain, args):
    extension_id = _existing(domain, args.extension).id if args.extension else None
    records, more = call_records.search(call_records.CallQuery(
        domain.id, extension_id, args.start, args.end, args.kind, args.number, args.page))
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


def cmd_status(settings):
    """Ask the running service (switchctl serve) for its live view."""
    url = f"http://{settings.switch_address}/status"
    request = urllib.request.Request(url)
    if settings.http_credentials:
        token = base64.b64encode(settings.http_credentials.encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 - our own URL
            status = json.load(response)
    except (OSError, ValueError) as exc:
        raise ValidationError(f"switchctl serve does not answer at {url} ({exc})") from None
    print(f"switch: {status['switch']}")
    for number, state in status["extensions"].items():
        print(f"{number}\t{state}")
    return 0


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
    if not args.password:
        print(f"password {password}")
    return 0


COMMANDS = {
    ("extension", "add"): cmd_extension_add,
    ("extension", "list"): cmd_extension_list,
    ("extension", "remove"): cmd_extension_remove,
    ("extension", "import"): cmd_extension_import,
    ("extension", "passwd"): cmd_extension_passwd,
    ("extension", "caller-id"): cmd_extension_caller_id,
    ("portal", None): cmd_portal,
    ("account", "add"): cmd_account_add,
    ("calls", None): cmd_calls,
}


if __name__ == "__main__":
    sys.exit(main())
