"""The phonebook, with its visibility rule enforced in every query here.

Contacts an admin or operator added (no owner) are visible to every extension;
a contact an extension added is visible to that extension (and to admins and
operators, who see everything). Every read path (a page of the list, a search, the
caller-ID lookup, an export) and every change goes through a ``Phonebook``: the
domain and who reads it, so a contact outside it is simply not found.
"""

import codecs
import csv
import dataclasses
import io
import re

from peewee import JOIN, Tuple

from switchctl.models import Contact, Domain, Extension
from switchctl.models.base import database
from switchctl.services import ValidationError
from switchctl.services.extensions import EMAIL_PATTERN, FORBIDDEN_TEXT, extension_records
from switchctl.services.numbers import digits_key

LIMITS = {"name": 80, "phone": 32, "email": 254, "company": 120}
PAGE_SIZE = 20
# A search of at most this many characters (the longest field is 254).
MAX_QUERY = 254
# What a number typed into the search box may hold besides digits.
NUMBER_PUNCTUATION = frozenset(" +-().")
# An import: the file as uploaded (under the portal's 1 MiB request limit), its rows.
MAX_IMPORT_BYTES = 512 * 1024
MAX_IMPORT_ROWS = 10_000
COLUMNS = ("phone", "name", "email", "company")
REQUIRED_COLUMNS = ("phone", "name")
INSERT_BATCH = 500
EXPORT_CHUNK = 500
# A spreadsheet runs a cell that starts with one of these as a formula: an exported
# text cell gets a leading apostrophe (and an import takes it off again).
FORMULA_START = ("=", "+", "-", "@")
PHONE_SHAPE = re.compile(r"[+-]?[0-9 ().-]*\Z")


@dataclasses.dataclass(frozen=True)
class Phonebook:
    """The contacts of domain ``domain_id`` as one login may see and change them:
    extension ``extension_id`` sees the shared ones and its own and changes its own; an
    admin or operator (``extension_id`` None) sees and changes every one, and adds shared."""

    domain_id: int
    extension_id: int | None = None

    @property
    def staff(self):
        return self.extension_id is None


def phonebook_of(principal):
    """The Phonebook of a portal login (services.logins.Principal), or None when its
    domain is gone."""
    domain = Domain.select(Domain.id).where(Domain.name == principal.domain_name).first()
    if domain is None:
        return None
    return Phonebook(domain.id, principal.record_id if principal.kind == "e" else None)


@dataclasses.dataclass(frozen=True)
class ContactsPage:
    contacts: list  # Contact rows, each with ``owner_number`` (None for a shared one)
    has_next: bool


class ImportRefused(Exception):
    """An import with bad rows: ``errors`` holds ``(line, ValidationError)`` for each;
    nothing was imported."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors

    def __str__(self):
        return "; ".join(f"line {line}: {error}" for line, error in self.errors)


def visible_to(extension_id):
    """The condition selecting the contacts an extension may see."""
    return Contact.owner.is_null() | (Contact.owner == extension_id)


def _readable(book):
    mine = Contact.domain == book.domain_id
    return mine if book.staff else mine & visible_to(book.extension_id)


def _writable(book):
    mine = Contact.domain == book.domain_id
    return mine if book.staff else mine & (Contact.owner == book.extension_id)


def add_contact(domain, name, phone, email="", company="", owner=None):
    values = _cleaned(name, phone, email, company)
    _check(values)
    return Contact.create(domain=domain, owner=owner, phone_key=digits_key(values["phone"]),
                          **values)


def add_to(book, name, phone, email="", company=""):
    """A contact added by the book's login: shared when staff add it, else private to
    the extension."""
    return add_contact(book.domain_id, name, phone, email, company, owner=book.extension_id)


def _cleaned(name, phone, email, company):
    return {"name": name.strip(), "phone": phone.strip(), "email": email.strip(),
            "company": company.strip()}


def _fits(value, limit):
    return len(value) <= limit and value.isprintable() and not FORBIDDEN_TEXT & set(value)


def _check(values):
    if not values["name"]:
        raise ValidationError("a contact needs a name")
    if not _fits(values["name"], LIMITS["name"]):
        raise ValidationError("the name must be printable text of at most %(limit)s "
                              "characters, without $ { } \\", {"limit": LIMITS["name"]})
    if not _fits(values["phone"], LIMITS["phone"]) or len(digits_key(values["phone"])) < 2:
        raise ValidationError("the phone number must hold at least two digits (at most "
                              "%(limit)s characters)", {"limit": LIMITS["phone"]})
    if values["email"] and not (_fits(values["email"], LIMITS["email"])
                                and EMAIL_PATTERN.match(values["email"])):
        raise ValidationError("email '%(email)s' is not an address", {"email": values["email"]})
    if not _fits(values["company"], LIMITS["company"]):
        raise ValidationError("the company must be printable text of at most %(limit)s "
                              "characters, without $ { } \\", {"limit": LIMITS["company"]})


def _listing(book):
    """Contacts of the book with the number of the extension owning each (one query)."""
    return (Contact.select(Contact, Extension.number.alias("owner_number"))
            .join(Extension, JOIN.LEFT_OUTER, on=(Contact.owner == Extension.id))
            .where(_readable(book)))


def search_condition(query):
    """What a search matches: a number (digits and + - ( ) . spaces) anywhere in the
    contact's digits or name; other text anywhere in the name, whatever its case."""
    text = query.strip()[:MAX_QUERY].replace("\0", "")  # PostgreSQL refuses a NUL
    by_name = Contact.name.contains(text)
    digits = digits_key(text)
    if digits and all(c.isdigit() or c in NUMBER_PUNCTUATION for c in text):
        return Contact.phone_key.contains(digits) | by_name
    return by_name


def contacts_page(book, query="", page=1, size=PAGE_SIZE):
    """One page (from 1) of the contacts the book sees, sorted by name, optionally only
    those a search ``query`` matches."""
    rows = _listing(book)
    if query.strip():
        rows = rows.where(search_condition(query))
    found = list(rows.order_by(Contact.name, Contact.id)
                 .limit(size + 1).offset((page - 1) * size).objects())
    return ContactsPage(found[:size], len(found) > size)


def find_contact(book, contact_id):
    """The contact ``contact_id`` if the book sees it, else None (another extension's
    private contact, another domain's: not found)."""
    return _listing(book).where(Contact.id == contact_id).objects().first()


def may_change(book, contact):
    """May the book's login change or delete this contact (one it sees)?"""
    return book.staff or contact.owner_id == book.extension_id


def update_contact(book, contact_id, name, phone, email="", company=""):
    """Change a contact the book may change; False (nothing changed) for any other."""
    values = _cleaned(name, phone, email, company)
    _check(values)
    changed = (Contact.update(phone_key=digits_key(values["phone"]), **values)
               .where(Contact.id == contact_id, _writable(book)).execute())
    return changed == 1


def delete_contact(book, contact_id):
    """Delete a contact the book may change; False (nothing deleted) for any other."""
    return Contact.delete().where(Contact.id == contact_id, _writable(book)).execute() == 1


def import_csv(book, data):
    """Add every row of a CSV file (bytes: UTF-8, with or without a BOM; a header row
    naming the columns phone, name and optionally email and company) to the book, as
    ``add_to`` would; the number added. Any bad row: ImportRefused listing each, by line,
    and nothing added; a file that is not such a CSV at all: ValidationError."""
    values = _rows(_csv_text(data))
    rows = [{"domain": book.domain_id, "owner": book.extension_id,
             "phone_key": digits_key(row["phone"]), **row} for row in values]
    with database.atomic():
        for start in range(0, len(rows), INSERT_BATCH):
            Contact.insert_many(rows[start:start + INSERT_BATCH]).execute()
    return len(rows)


def _csv_text(data):
    if len(data) > MAX_IMPORT_BYTES:
        raise ValidationError("the file is larger than %(limit)s KiB",
                              {"limit": MAX_IMPORT_BYTES // 1024})
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("the file is not UTF-8 text: save it as CSV UTF-8") from None
    if "\0" in text:
        raise ValidationError("the file is not UTF-8 text: save it as CSV UTF-8")
    if not text.strip():
        raise ValidationError("the file is empty")
    return text


def _rows(text):
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        columns = _header(next(reader))
        values, errors = [], []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            try:
                values.append(_row(columns, row))
            except ValidationError as error:
                errors.append((reader.line_num, error))
            if len(values) + len(errors) > MAX_IMPORT_ROWS:
                raise ValidationError("the file holds more than %(limit)s contacts",
                                      {"limit": MAX_IMPORT_ROWS})
    except csv.Error:
        raise ValidationError("line %(line)s is not CSV", {"line": reader.line_num}) from None
    if errors:
        raise ImportRefused(errors)
    return values


def _header(row):
    columns = [cell.strip().lstrip("\ufeff").lower() for cell in row]
    if not set(REQUIRED_COLUMNS) <= set(columns) or not set(columns) <= set(COLUMNS) \
            or len(set(columns)) != len(columns):
        raise ValidationError("the first line must name the columns: phone,name,email,company")
    return columns


def _row(columns, row):
    if len(row) != len(columns):
        raise ValidationError("expected %(expected)s fields, found %(found)s",
                              {"expected": len(columns), "found": len(row)})
    given = {column: _unguarded(cell) for column, cell in zip(columns, row)}
    values = _cleaned(given["name"], given["phone"], given.get("email", ""),
                      given.get("company", ""))
    _check(values)
    return values


def _unguarded(cell):
    """A cell as it was before an export guarded it (see FORMULA_START)."""
    if cell.startswith("'") and cell[1:2] in FORMULA_START:
        return cell[1:]
    return cell


def _guarded(text):
    return "'" + text if text.startswith(FORMULA_START) else text


def _guarded_phone(phone):
    """A phone as ``_guarded``, but a number's leading + or - (digits, spaces, ( ) . -
    after it) stays: only what a spreadsheet would run as a formula gets the apostrophe."""
    return phone if PHONE_SHAPE.match(phone) else _guarded(phone)


def exported(book):
    """Every contact the book sees, sorted by name, read in chunks (keyset: constant
    memory, whatever the size, on every database)."""
    last = None
    while True:
        rows = Contact.select().where(_readable(book))
        if last is not None:
            rows = rows.where(Tuple(Contact.name, Contact.id) > Tuple(*last))
        chunk = list(rows.order_by(Contact.name, Contact.id).limit(EXPORT_CHUNK))
        yield from chunk
        if len(chunk) < EXPORT_CHUNK:
            return
        last = (chunk[-1].name, chunk[-1].id)


def csv_export(book):
    """The book as CSV text, a line at a time (a BOM first, for spreadsheets), in the
    columns an import reads."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(cells):
        writer.writerow(cells)
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    yield "\ufeff" + line(COLUMNS)
    for contact in exported(book):
        # The phone keeps its "+": a number, not a formula, however a spreadsheet reads it.
        yield line((_guarded_phone(contact.phone), _guarded(contact.name),
                    _guarded(contact.email), _guarded(contact.company)))


def _vcard_text(value):
    return (value.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;")
            .replace("\n", "\\n"))


def vcard_export(book):
    """The book as vCard 3.0 (RFC 2426), a card at a time."""
    for contact in exported(book):
        name = _vcard_text(contact.name)
        lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{name}", f"N:{name};;;;",
                 f"TEL;TYPE=VOICE:{_vcard_text(contact.phone)}"]
        if contact.email:
            lines.append(f"EMAIL;TYPE=INTERNET:{_vcard_text(contact.email)}")
        if contact.company:
            lines.append(f"ORG:{_vcard_text(contact.company)}")
        lines.append("END:VCARD")
        yield "\r\n".join(lines) + "\r\n"


def caller_name(domain_id, extension_id, number):
    """The name of the contact visible to the extension whose number is ``number``, or None.

    Shared contacts and the extension's own both count; the extension's own wins."""
    key = digits_key(number)
    if not key:
        return None
    row = (Contact.select(Contact.name)
           .where(Contact.domain == domain_id, Contact.phone_key == key,
                  visible_to(extension_id))
           .order_by(Contact.owner.is_null(), Contact.id)
           .first())
    return None if row is None else row.name


def caller_known_as(user, caller_number, from_our_users):
    """Who calls ``user`` (``101@pbx.local``), as that user may know them: a colleague's
    extension name (only when ``from_our_users``, a call placed by our own authenticated
    users: a caller ID from outside may say anything), else the name of a contact the
    user may see, else ""."""
    number, _, domain_name = user.partition("@")
    found = extension_records(domain_name, number, caller_number)
    extension = found.get(number)
    if extension is None:
        return ""
    colleague = found.get(caller_number)
    if from_our_users and colleague is not None and colleague is not extension:
        return colleague.name
    return caller_name(extension.domain_id, extension.id, caller_number) or ""
