"""The translators' tool: which strings each of the portal's catalogs must hold (i18n.py
says which catalogs there are), and bringing the Chinese catalogs up to date.

    python -m switchctl.portal.catalogs          # add what is missing (untranslated),
                                                 # drop what no source uses, compile
    python -m switchctl.portal.catalogs --check  # only say what is missing or stale

A family's strings (its views and templates) belong to its own catalog, unless the shared
catalog holds them already; the shared catalog holds those of the portal's top modules and
shared templates, and the message templates the services raise as
``ValidationError("... %(x)s", {...})``. tests/test_portal_i18n.py checks the same rules."""

import ast
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from switchctl.portal.i18n import PORTAL, catalog_folders

SHARED = PORTAL / "translations"
SERVICES = PORTAL.parent / "services"
LOCALE = "zh_Hans"
# Babel's default keywords and our lazy _l.
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
# What the services raise for a person to read.
SERVICE_KEYWORDS = frozenset({"ValidationError"})


def catalog_of(path):
    """The translations folder a portal source file's strings belong to: its family's
    own, else the shared one."""
    for folder in Path(path).relative_to(PORTAL).parents:
        if folder != Path(".") and (PORTAL / folder / "translations").is_dir():
            return PORTAL / folder / "translations"
    return SHARED


def sources():
    """{translations folder: the strings its sources use}."""
    found = {folder: set() for folder in catalog_folders()}
    files = [(path, "python") for path in PORTAL.rglob("*.py")] + \
        [(path, "jinja2") for path in PORTAL.rglob("*.html") if "templates" in path.parts]
    for path, method in files:
        for message in extract_from_file(method, path, keywords=KEYWORDS):
            text = message[1]
            found[catalog_of(path)].add(text if isinstance(text, str) else text[0])
    for path in SERVICES.glob("**/*.py"):
        found[SHARED] |= service_templates(path.read_text())
    return found


def service_templates(source):
    """The message templates of ``ValidationError("...", {...})`` calls: a whole literal
    only (an f-string message stays English)."""
    return {call.args[0].value for call in ast.walk(ast.parse(source))
            if isinstance(call, ast.Call) and getattr(call.func, "id", None) in SERVICE_KEYWORDS
            and call.args and isinstance(call.args[0], ast.Constant)
            and isinstance(call.args[0].value, str)}


def po_path(folder):
    return Path(folder) / LOCALE / "LC_MESSAGES" / "messages.po"


def read_catalog(folder):
    path = po_path(folder)
    if not path.exists():
        return Catalog(locale=LOCALE, project="switchctl")
    with open(path, "rb") as po:
        return read_po(po, locale=LOCALE)


def needed(found):
    """{folder: (missing, stale)}: strings a catalog lacks (not in it nor in the shared
    one), and entries no source of its own uses (for the shared one: no source at all)."""
    shared = {m.id for m in read_catalog(SHARED) if m.id and m.string}
    used_anywhere = set().union(*found.values())
    answer = {}
    for folder, strings in found.items():
        catalog = read_catalog(folder)
        own = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
        every = {m.id for m in catalog if m.id}
        missing = sorted(s for s in strings if s not in own and s not in shared)
        stale = sorted(every - (used_anywhere if folder == SHARED else strings))
        answer[folder] = (missing, stale)
    return answer


def update(folder, missing, stale):
    """Add ``missing`` untranslated, drop ``stale``, write the .po sorted and compile it."""
    catalog = read_catalog(folder)
    for msgid in stale:
        del catalog[msgid]
    for msgid in missing:
        if msgid not in catalog:
            catalog.add(msgid, "")
    path = po_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as po:
        write_po(po, catalog, sort_output=True, width=96, no_location=True)
    with open(path.with_suffix(".mo"), "wb") as mo:
        write_mo(mo, catalog)


def main(argv):
    check = "--check" in argv
    untranslated = 0
    for folder, (missing, stale) in needed(sources()).items():
        name = folder.relative_to(PORTAL.parent.parent)
        for msgid in missing:
            print(f"{name}: no Chinese for {msgid!r}")
        for msgid in stale:
            print(f"{name}: no source uses {msgid!r}" + ("" if check else " (dropped)"))
        untranslated += len(missing)
        if not check:
            update(folder, missing, stale)
    if untranslated and not check:
        print("translate the empty msgstr entries, then run this again to compile")
    return 1 if untranslated else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
