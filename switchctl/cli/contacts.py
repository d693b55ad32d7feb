"""``switchctl contacts import FILE [--extension EXT] | export [--vcard] [--extension EXT]``:
the phonebook for ops, through the functions the portal's pages use. Without
``--extension`` it is the operator's shared phonebook (an import adds shared contacts, an
export holds every contact); with it, that extension's (its own contacts; an export holds
what it sees)."""

import sys

from switchctl.cli.common import existing_extension, handles
from switchctl.services import contacts


def add_parser(commands):
    actions = commands.add_parser("contacts", help="the phonebook: CSV import and export").\
        add_subparsers(dest="action", required=True)
    importing = actions.add_parser(
        "import", help="add the contacts of a CSV file (UTF-8; a first line naming the "
        "columns phone,name[,email,company]); any bad row: nothing is added")
    importing.add_argument("file", help="the CSV file ('-': standard input)")
    importing.add_argument("--extension", help="private contacts of this extension "
                           "(default: shared ones)")
    handles(importing, cmd_import)
    exporting = actions.add_parser("export", help="write the contacts, sorted by name, to "
                                   "standard output as CSV (the columns import reads)")
    exporting.add_argument("--vcard", action="store_true", help="as vCard 3.0 instead")
    exporting.add_argument("--extension", help="what this extension sees (default: every "
                           "contact)")
    handles(exporting, cmd_export)


def book_of(domain, args):
    if args.extension is None:
        return contacts.Phonebook(domain.id)
    return contacts.Phonebook(domain.id, existing_extension(domain, args.extension).id)


def read_file(path):
    if path == "-":
        return sys.stdin.buffer.read(contacts.MAX_IMPORT_BYTES + 1)
    with open(path, "rb") as source:
        return source.read(contacts.MAX_IMPORT_BYTES + 1)


def cmd_import(domain, args):
    book = book_of(domain, args)
    try:
        count = contacts.import_csv(book, read_file(args.file))
    except contacts.ImportRefused as refused:
        for line, error in refused.errors:
            print(f"{args.file}:{line}: {error}", file=sys.stderr)
        print(f"switchctl: error: {len(refused.errors)} bad rows: nothing was imported",
              file=sys.stderr)
        return 1
    print(f"imported {count} contacts")
    return 0


def cmd_export(domain, args):
    lines = contacts.vcard_export if args.vcard else contacts.csv_export
    out = sys.stdout.buffer  # UTF-8 whatever the locale: what an import reads back
    for text in lines(book_of(domain, args)):
        out.write(text.encode())
    out.flush()
    return 0
