"""``switchctl cdr import DIR``: the records FreeSWITCH could not post, from its err-log-dir."""

from pathlib import Path

from switchctl.cli.common import DOMAIN_SETTINGS, handles
from switchctl.services import ValidationError
from switchctl.xml_cdr import spool


def add_parser(commands):
    cdr = commands.add_parser("cdr", help="call records FreeSWITCH kept in files")
    actions = cdr.add_subparsers(dest="action", required=True)
    folder_import = actions.add_parser(
        "import", help="store every record file of a folder once (FreeSWITCH's err-log-dir) "
                       "and move it into imported/ or refused/")
    folder_import.add_argument("folder", type=Path, help="the folder of *.cdr.xml files")
    handles(folder_import, cmd_import, DOMAIN_SETTINGS)


def cmd_import(domain, settings, args):
    problem = spool.unusable(args.folder)
    if problem:
        raise ValidationError(problem)
    tally = spool.import_folder(args.folder, domain.name, settings.media_folder)
    print(tally)
    if tally.left:
        raise ValidationError(f"{tally.left} record(s) left in {args.folder}, for the next "
                              f"import ({tally.why_left})")
    return 0
