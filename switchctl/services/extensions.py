"""Creating, listing, importing and removing extensions."""

import csv
import dataclasses
import io
import re

import peewee

from switchctl.models import (
    Department,
    Domain,
    Extension,
    FollowMeEntry,
    ForwardRule,
    database,
)
from switchctl.models.forwarding import FORWARD_ALWAYS
from switchctl.passwords import MIN_PASSWORD_LENGTH, generate_password, hash_pin, sip_ha1
from switchctl.services import ValidationError, sessions
from switchctl.services.domains import outbound_prefixes
from switchctl.services.prepared import Prepared

DEFAULT_VOICEMAIL_PIN = "1234"
NUMBER_PATTERN = re.compile(r"^[0-9]{2,8}\Z")
CALLER_ID_PATTERN = re.compile(r"^\+?[0-9]{3,20}\Z")
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+\Z")
# FreeSWITCH expands ${...} in channel variables: names never carry its syntax.
FORBIDDEN_TEXT = frozenset("${}\\")
REQUIRED_COLUMNS = ("number", "name", "password")
OPTIONAL_COLUMNS = ("department", "email")
INSERT_BATCH = 500


@dataclasses.dataclass(frozen=True)
class ExtensionInput:
    number: str
    name: str
    password: str
    department: str = ""
    email: str = ""


@dataclasses.dataclass
class ImportReport:
    created: int = 0
    errors: list = dataclasses.field(default_factory=list)


class ImportRejected(ValidationError):
    """A CSV import with bad rows; nothing was stored. ``errors`` lists (line, message)."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} bad row(s); nothing imported")


def check_input(item, prefixes):
    """Raise ValidationError with a one-line reason if ``item`` cannot be stored."""
    if not NUMBER_PATTERN.match(item.number):
        raise ValidationError(f"number {item.number!r} must be 2 to 8 digits")
    clash = next((p for p in prefixes if item.number.startswith(p)), None)
    if clash is not None:
        raise ValidationError(f"number {item.number} starts with the outbound prefix {clash}")
    check_text("name", item.name, 80, required=True)
    check_text("department", item.department, 64)
    check_password(item.password)
    if item.email and not EMAIL_PATTERN.match(item.email):
        raise ValidationError(f"email {item.email!r} is not an address")


def check_password(password):
    if len(password) < MIN_PASSWORD_LENGTH or not password.isascii() \
            or not password.isprintable() or " " in password:
        raise ValidationError(
            f"password must be at least {MIN_PASSWORD_LENGTH} printable ASCII characters, "
            "no spaces")


def check_text(label, value, limit, required=False):
    """Printable text of at most ``limit`` characters that FreeSWITCH will not expand."""
    if required and not value.strip():
        raise ValidationError(f"{label} is required")
    if len(value) > limit or not value.isprintable() or FORBIDDEN_TEXT & set(value):
        raise ValidationError(f"{label} must be printable text of at most {limit} characters "
                              "without $ { } \\")


def add_extension(domain, number, name, password=None, department="", email=""):
    """Create one extension; return ``(extension, password)`` (generated if not given)."""
    item = ExtensionInput(number.strip(), name.strip(), password or generate_password(),
                          department.strip(), email.strip())
    check_input(item, outbound_prefixes(domain))
    with database.atomic():
        if Extension.select().where(Extension.domain == domain,
                                    Extension.number == item.number).exists():
            raise ValidationError(f"extension {item.number} already exists")
        row = _build_rows(domain, [item], hash_pin(DEFAULT_VOICEMAIL_PIN))[0]
        extension = Extension.create(**row)
    return extension, item.password


def set_outbound_caller_id(extension, caller_id):
    if caller_id and not CALLER_ID_PATTERN.match(caller_id):
        raise ValidationError(f"caller ID {caller_id!r} must be 3 to 20 digits, optionally with +")
    extension.outbound_caller_id = caller_id
    extension.save(only=[Extension.outbound_caller_id])


def set_password(extension, password):
    """A new SIP password; the extension's portal sessions end."""
    check_password(password)
    extension.sip_ha1 = sip_ha1(extension.number, extension.domain.name, password)
    with database.atomic():
        extension.save(only=[Extension.sip_ha1])
        sessions.end_for_extensions([extension.id])


def set_portal_access(domain, numbers, enabled):
    """Open or close the user portal to extensions ``numbers``: all of them, or none.
    Closing it ends their portal sessions."""
    numbers = set(numbers)
    with database.atomic():
        chosen = (Extension.domain == domain) & Extension.number.in_(numbers)
        found = {number for (number,) in Extension.select(Extension.number).where(chosen).tuples()}
        if numbers - found:
            raise ValidationError(f"no such extension: {', '.join(sorted(numbers - found))}")
        Extension.update(portal_enabled=enabled).where(chosen).execute()
        if not enabled:
            sessions.end_for_extensions(Extension.select(Extension.id).where(chosen))


def remove_extension(domain, number):
    """Remove an extension; other extensions' forwards and follow-me steps to it go too
    (its number may be given to someone else later)."""
    with database.atomic():
        deleted = Extension.delete().where(Extension.domain == domain,
                                           Extension.number == number).execute()
        if not deleted:
            raise ValidationError(f"extension {number} does not exist")
        in_domain = Extension.select(Extension.id).where(Extension.domain == domain)
        (ForwardRule.update(active=False)
         .where(ForwardRule.destination == number, ForwardRule.extension.in_(in_domain))
         .execute())
        (FollowMeEntry.delete()
         .where(FollowMeEntry.destination == number, FollowMeEntry.extension.in_(in_domain))
         .execute())


def list_extensions(domain):
    return (Extension.select(Extension, Department)
            .join(Department, on=(Extension.department == Department.id),
                  join_type=peewee.JOIN.LEFT_OUTER)
            .where(Extension.domain == domain)
            .order_by(Extension.number))


_ROSTER = Prepared(lambda domain_name: (
    Extension.select(Extension.number, Extension.name)
    .join(Domain, on=(Extension.domain == Domain.id))
    .where(Domain.name == domain_name).order_by(Extension.number)), 1)


def roster(domain_name):
    """``[(number, name)]`` of every extension of the domain, by number (one prepared
    query): the live extension list and ``switchctl status`` show these."""
    return [(row.number, row.name) for row in _ROSTER.rows(domain_name)]


def _pair_query(domain_name, first, second):
    forward_always = ForwardRule.select(ForwardRule.destination).where(
        ForwardRule.extension == Extension.id, ForwardRule.kind == FORWARD_ALWAYS,
        ForwardRule.active)
    return (Extension.select(Extension, forward_always.alias("forward_always"))
            .join(Domain, on=(Extension.domain == Domain.id))
            .where(Domain.name == domain_name, Extension.number.in_([first, second]),
                   Extension.enabled))


_PAIR = Prepared(_pair_query, 3)


def extension_by_id(extension_id):
    """The Extension model to read or change, for a read-only record's ``id``."""
    return Extension.get_by_id(extension_id)


def find_extension(domain, number):
    """The Extension model ``number`` of ``domain``, to read or change."""
    return Extension.get_or_none(Extension.domain == domain, Extension.number == number)


def extension_records(domain_name, *numbers):
    """Read-only records of up to two extensions of a domain, by number, in one query.

    Returns ``{number: record}`` for the enabled ones that exist (routing reads
    the caller and the callee together; a disabled extension does not take part
    in routing at all); ``forward_always`` holds the active forward-always
    number, or None."""
    first, second = (numbers + ("", ""))[:2]
    return {record.number: record for record in _PAIR.rows(domain_name, first, second)}


def extension_record(domain_name, number):
    """The read-only record of the enabled extension ``number``, or None (see
    extension_records)."""
    return extension_records(domain_name, number).get(number)


def import_csv(domain, text):
    """Import extensions from CSV text, all or nothing; return an ImportReport."""
    items, errors = _parse_csv(text, outbound_prefixes(domain))
    existing = _existing_numbers(domain, [item.number for _, item in items])
    errors += [(line, f"extension {item.number} already exists")
               for line, item in items if item.number in existing]
    if errors:
        raise ImportRejected(sorted(errors))
    with database.atomic():
        rows = _build_rows(domain, [item for _, item in items], hash_pin(DEFAULT_VOICEMAIL_PIN))
        for start in range(0, len(rows), INSERT_BATCH):
            Extension.insert_many(rows[start:start + INSERT_BATCH]).execute()
    return ImportReport(created=len(items))


def _parse_csv(text, prefixes):
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        reader.fieldnames = _header(reader)
        return _parse_rows(reader, prefixes)
    except csv.Error as exc:  # a field over csv.field_size_limit(), a NUL, a stray quote
        line = reader.reader.line_num  # the DictReader's own count stops at the last good row
        raise ImportRejected([(line, f"not CSV that can be read: {exc}")]) from None


def _header(reader):
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    repeated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or repeated:
        problem = (f"missing columns {missing}" if missing else
                   f"unknown columns {unknown}" if unknown else f"repeated columns {repeated}")
        raise ImportRejected([(1, f"header row: {problem}; expected "
                                  "number,name,password[,department,email]")])
    return header


def _parse_rows(reader, prefixes):
    items, errors, seen = [], [], {}
    for row in reader:
        line = reader.line_num
        try:
            item = _row_input(row)
            check_input(item, prefixes)
        except ValidationError as exc:
            errors.append((line, str(exc)))
            continue
        if item.number in seen:
            errors.append((line, f"number {item.number} repeats line {seen[item.number]}"))
            continue
        seen[item.number] = line
        items.append((line, item))
    return items, errors


def _row_input(row):
    if None in row:
        raise ValidationError("more fields than header columns")
    absent = [column for column, value in row.items() if value is None]
    if absent:
        raise ValidationError(f"fewer fields than header columns: no {', '.join(absent)}")
    values = {key: (value or "").strip() for key, value in row.items()}
    return ExtensionInput(**{k: values.get(k, "") for k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS})


def _existing_numbers(domain, numbers):
    found = set()
    for start in range(0, len(numbers), INSERT_BATCH):
        chunk = numbers[start:start + INSERT_BATCH]
        query = Extension.select(Extension.number).where(
            Extension.domain == domain, Extension.number.in_(chunk))
        found.update(number for (number,) in query.tuples())
    return found


def _build_rows(domain, items, pin_hash):
    departments = _departments(domain, {item.department for item in items if item.department})
    return [{
        "domain": domain.id,
        "number": item.number,
        "name": item.name,
        "sip_ha1": sip_ha1(item.number, domain.name, item.password),
        "email": item.email,
        "department": departments.get(item.department),
        "voicemail_pin_hash": pin_hash,
    } for item in items]


def _departments(domain, names):
    ids = {}
    for name in sorted(names):
        department, _ = Department.get_or_create(domain=domain, name=name)
        ids[name] = department.id
    return ids


_USER = Prepared(lambda domain_name, number: (
    Extension.select(Extension.number, Extension.name, Extension.sip_ha1,
                     Extension.voicemail_enabled, Extension.outbound_allowed,
                     Domain.name.alias("domain_name"), Department.name.alias("department_name"))
    .join(Domain, on=(Extension.domain == Domain.id))
    .switch(Extension)
    .join(Department, on=(Extension.department == Department.id),
          join_type=peewee.JOIN.LEFT_OUTER)
    .where(Domain.name == domain_name, Extension.number == number, Extension.enabled)), 2)


def lookup_user(domain_name, number):
    """A read-only record of the enabled extension ``number@domain_name``, in one query.

    It holds what the directory serves: number, name, sip_ha1, voicemail_enabled,
    outbound_allowed, and the names of its domain and department (or None) as
    ``domain_name`` and ``department_name``.
    """
    return _USER.first(domain_name, number)
