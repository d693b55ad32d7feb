"""``switchctl extension add|list|remove|import|caller-id|passwd``."""

import sys
from pathlib import Path

from switchctl.cli.common import existing_extension, handles, print_password
from switchctl.passwords import generate_password
from switchctl.services import ValidationError
from switchctl.services import extensions as extension_service


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
