"""``switchctl extension add|list|set|remove|import|caller-id|passwd``."""

import dataclasses
import sys
from pathlib import Path

from switchctl.cli.common import command, existing_extension, handles, print_password
from switchctl.passwords import generate_password
from switchctl.services import ValidationError
from switchctl.services import departments as department_service
from switchctl.services import extensions as extension_service

# ``extension set``'s on/off options: the ExtensionSettings flag each sets.
SWITCHES = (("--voicemail", "voicemail_enabled", "voicemail for unanswered calls"),
            ("--outbound", "outbound_allowed", "may call outside numbers"),
            ("--monitor", "may_monitor", "may listen in on calls (*90, *91, *92)"),
            ("--portal", "portal_enabled", "may log in to the user portal"))


def add_parser(commands):
    actions = commands.add_parser("extension", help="manage extensions").add_subparsers(
        dest="action", required=True)
    add = actions.add_parser("add", help="add one extension")
    add.add_argument("number")
    add.add_argument("--name", required=True)
    add.add_argument("--password", help="SIP password (default: a strong generated one)")
    add.add_argument("--department", default="")
    add.add_argument("--email", default="")
    handles(add, cmd_extension_add)
    handles(actions.add_parser("list", help="list extensions"), cmd_extension_list)
    _add_set_parser(actions)
    remove = actions.add_parser("remove", help="remove an extension")
    remove.add_argument("number")
    handles(remove, cmd_extension_remove)
    imp = actions.add_parser("import", help="import a CSV file (number,name,password[,...])")
    imp.add_argument("file", type=Path)
    handles(imp, cmd_extension_import)
    caller_id = actions.add_parser("caller-id", help="set the caller ID number used on the trunk")
    caller_id.add_argument("number")
    caller_id.add_argument("caller_id", help="digits (optionally +), or '' to clear")
    handles(caller_id, cmd_extension_caller_id)
    passwd = actions.add_parser("passwd", help="set a new SIP password (printed if generated)")
    passwd.add_argument("number")
    passwd.add_argument("--password")
    handles(passwd, cmd_extension_passwd)


def _add_set_parser(actions):
    change = command(actions, "set", cmd_extension_set, "change an extension's settings, as "
                     "the admin's extension page does (what is not given stays)", "number")
    change.add_argument("--name")
    change.add_argument("--department", help="an existing department's name ('' for none)")
    change.add_argument("--email", help="'' for none")
    change.add_argument("--caller-id", help="the outbound caller ID ('' for the trunk's)")
    enabled = change.add_mutually_exclusive_group()
    enabled.add_argument("--enabled", dest="enabled", action="store_const", const=True,
                         help="the extension may register and call")
    enabled.add_argument("--disabled", dest="enabled", action="store_const", const=False,
                         help="switched off (its portal sessions end)")
    for option, flag, summary in SWITCHES:
        change.add_argument(option, dest=flag, choices=("on", "off"), help=summary)


def cmd_extension_set(domain, args):
    """The admin page's edit (services.extensions.update_extension) from the command line."""
    extension = existing_extension(domain, args.number)
    changes = {field: value for field, value in (
        ("name", args.name), ("email", args.email), ("outbound_caller_id", args.caller_id),
        ("enabled", args.enabled)) if value is not None}
    changes.update({flag: getattr(args, flag) == "on" for _, flag, _ in SWITCHES
                    if getattr(args, flag) is not None})
    if args.department is not None:
        changes["department_id"] = department_service.find_department(
            domain, args.department).id if args.department.strip() else None
    extension_service.update_extension(
        extension, dataclasses.replace(extension_service.settings_of(extension), **changes))
    print(f"extension {extension.number} saved")
    return 0


def cmd_extension_add(domain, args):
    extension, password = extension_service.add_extension(
        domain, args.number, args.name, args.password, args.department, args.email)
    print(f"added extension {extension.number}")
    print_password(password, args.password)
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


def cmd_extension_caller_id(domain, args):
    extension_service.set_outbound_caller_id(existing_extension(domain, args.number),
                                             args.caller_id)
    print(f"outbound caller ID of {args.number}: {args.caller_id or 'trunk default'}")
    return 0


def cmd_extension_passwd(domain, args):
    extension = existing_extension(domain, args.number)
    password = args.password or generate_password()
    extension_service.set_password(extension, password)
    print(f"password of {extension.number} changed")
    print_password(password, args.password)
    return 0
