"""Creating, listing, importing and removing extensions."""

import collections
import csv
import dataclasses
import io
import re

import peewee

from switchctl.models import (
    ConferenceRoom,
    Department,
    Domain,
    Extension,
    FaxNumber,
    FollowMeEntry,
    ForwardRule,
    Queue,
    database,
)
from switchctl.models.forwarding import FORWARD_ALWAYS
from switchctl.passwords import MIN_PASSWORD_LENGTH, generate_password, hash_pin, sip_ha1
from switchctl.services import ValidationError, sessions
from switchctl.services.domains import outbound_prefixes
from switchctl.services.forwarding import followed
from switchctl.services.internal_numbers import feature_code_of
from switchctl.services.parking import lot
from switchctl.services.prepared import Prepared

DEFAULT_VOICEMAIL_PIN = "1234"
NUMBER_PATTERN = re.compile(r"^[0-9]{2,8}\Z")
CALLER_ID_PATTERN = re.compile(r"^\+?[0-9]{3,20}\Z")
# No control character either (a NUL: PostgreSQL refuses it, an answer of 500).
EMAIL_PATTERN = re.compile(r"^[^@\s\x00-\x1f\x7f]+@[^@\s\x00-\x1f\x7f]+\.[^@\s\x00-\x1f\x7f]+\Z")
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
    """A CSV import with bad rows; nothing was stored. ``errors`` lists (line, message):
    a message is a ValidationError (a template the portal translates) or a string."""

    def __init__(self, errors):
        self.errors = errors
        super().__init__(f"{len(errors)} bad row(s); nothing imported")


def check_input(item, prefixes):
    """Raise ValidationError with a one-line reason if ``item`` cannot be stored."""
    check_number(item.number, prefixes)
    check_name(item.name)
    check_department_name(item.department)
    check_password(item.password)
    check_email(item.email)


def check_number(number, prefixes):
    """An extension number: 2 to 8 digits, not starting with an outbound prefix (a call
    to it would leave through the trunk)."""
    if not NUMBER_PATTERN.match(number):
        raise ValidationError("number '%(number)s' must be 2 to 8 digits", {"number": number})
    clash = next((p for p in prefixes if number.startswith(p)), None)
    if clash is not None:
        raise ValidationError("number %(number)s starts with the outbound prefix %(prefix)s",
                              {"number": number, "prefix": clash})


def check_name(name):
    if not name.strip():
        raise ValidationError("name is required")
    if not _plain_text(name, 80):
        raise ValidationError("name must be printable text of at most %(limit)s characters "
                              "without $ { } \\", {"limit": 80})


def check_department_name(name):
    if not _plain_text(name, 64):
        raise ValidationError("a department name must be printable text of at most "
                              "%(limit)s characters without $ { } \\", {"limit": 64})


def check_email(email):
    if email and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        raise ValidationError("email '%(email)s' is not an address", {"email": email})


def _plain_text(value, limit):
    return len(value) <= limit and value.isprintable() and not FORBIDDEN_TEXT & set(value)


def check_password(password):
    if len(password) < MIN_PASSWORD_LENGTH or not password.isascii() \
            or not password.isprintable() or " " in password:
        raise ValidationError(
            "password must be at least %(length)s printable ASCII characters, no spaces",
            {"length": MIN_PASSWORD_LENGTH})


def add_extension(domain, number, name, password=None, department="", email=""):
    """Create one extension with the default settings, its department by name (made if
    new): ``switchctl extension add``. Returns ``(extension, password)`` (generated if not
    given); see create_extension."""
    department = department.strip()
    check_department_name(department)
    with database.atomic():  # a refused extension leaves no new department behind
        department_id = _departments(domain, {department} if department else set()) \
            .get(department)
        return create_extension(domain, number, ExtensionSettings(
            name=name, email=email, department_id=department_id), password)


def check_caller_id(caller_id):
    if caller_id and not CALLER_ID_PATTERN.match(caller_id):
        raise ValidationError("caller ID %(caller_id)s must be 3 to 20 digits, optionally "
                              "with +", {"caller_id": caller_id})


def set_outbound_caller_id(extension, caller_id):
    check_caller_id(caller_id)
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
            raise ValidationError("no such extension: %(numbers)s",
                                  {"numbers": ", ".join(sorted(numbers - found))})
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
            raise ValidationError("extension %(number)s does not exist", {"number": number})
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
        followed())
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
    in routing at all); ``forward_always`` holds the forward-always number
    when it is followed (forwarding.followed: read with the row), or None."""
    first, second = (numbers + ("", ""))[:2]
    return {record.number: record for record in _PAIR.rows(domain_name, first, second)}


def extension_record(domain_name, number):
    """The read-only record of the enabled extension ``number``, or None (see
    extension_records)."""
    return extension_records(domain_name, number).get(number)


def import_csv(domain, text):
    """Import extensions from CSV text, all or nothing; return an ImportReport."""
    items, errors = _parse_csv(text, outbound_prefixes(domain))
    taken = _taken_numbers(domain, [item.number for _, item in items])
    errors += [(line, taken[item.number]) for line, item in items if item.number in taken]
    if errors:
        raise ImportRejected(sorted(errors, key=lambda error: error[0]))
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
    repeated = sorted(c for c, times in collections.Counter(header).items() if times > 1)
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
            errors.append((line, exc))
            continue
        if item.number in seen:
            errors.append((line, ValidationError("number %(number)s repeats line %(line)s",
                                                 {"number": item.number,
                                                  "line": seen[item.number]})))
            continue
        seen[item.number] = line
        items.append((line, item))
    return items, errors


def _row_input(row):
    if None in row:
        raise ValidationError("more fields than header columns")
    absent = [column for column, value in row.items() if value is None]
    if absent:
        raise ValidationError("fewer fields than header columns: no %(columns)s",
                              {"columns": ", ".join(absent)})
    values = {key: (value or "").strip() for key, value in row.items()}
    return ExtensionInput(**{k: values.get(k, "") for k in REQUIRED_COLUMNS + OPTIONAL_COLUMNS})


def _taken_numbers(domain, numbers):
    """``{number: why it cannot be a new extension's}`` for those of ``numbers`` that an
    extension, a conference room, a queue or a fax number has, or that are parking slots (a few
    queries per INSERT_BATCH numbers; see _check_number_free for one number)."""
    parking = lot(domain)
    taken = {number: ValidationError("number %(number)s is a parking slot (%(slots)s)",
                                     {"number": number, "slots": parking.shown})
             for number in numbers if number in parking.numbers}
    for start in range(0, len(numbers), INSERT_BATCH):
        chunk = numbers[start:start + INSERT_BATCH]
        for model in (ConferenceRoom, Queue, FaxNumber):
            query = model.select(model.number).where(model.domain == domain,
                                                     model.number.in_(chunk))
            taken.update((number, ValidationError(
                "number %(number)s is taken by a conference room, a queue or a fax number",
                {"number": number})) for (number,) in query.tuples())
        query = Extension.select(Extension.number).where(
            Extension.domain == domain, Extension.number.in_(chunk))
        taken.update((number, ValidationError("extension %(number)s already exists",
                                              {"number": number}))
                     for (number,) in query.tuples())
    return taken


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


# The admin's pages: one extension at a time, found by id within the admin's domain.

@dataclasses.dataclass(frozen=True)
class ExtensionSettings:
    """What an admin sets on an extension (its number is given once, at creation)."""

    name: str
    department_id: int = None  # a department of the extension's domain, or None
    email: str = ""
    enabled: bool = True
    portal_enabled: bool = False
    may_monitor: bool = False
    outbound_allowed: bool = True
    voicemail_enabled: bool = True
    outbound_caller_id: str = ""  # on calls out through the trunk; "": the trunk's default


FLAGS = ("enabled", "portal_enabled", "may_monitor", "outbound_allowed", "voicemail_enabled")
PAGE_SIZE = 25


def page_of_extensions(domain, search="", page=1, per_page=PAGE_SIZE):
    """One page of the domain's extensions by number, with their departments: those whose
    number starts with ``search`` or whose name holds it. ``(rows, has_next)``."""
    query = list_extensions(domain)
    text = search.strip().replace("\0", "")  # no name holds one; PostgreSQL refuses it
    if text:
        query = query.where(Extension.number.startswith(text) | Extension.name.contains(text))
    rows = list(query.limit(per_page + 1).offset((page - 1) * per_page))
    return rows[:per_page], len(rows) > per_page


def extension_in_domain(domain, extension_id):
    """Extension ``extension_id`` if it is one of ``domain``'s, else None: an id from
    another domain finds nothing."""
    return Extension.get_or_none(Extension.id == extension_id, Extension.domain == domain)


def settings_of(extension):
    """The ExtensionSettings ``extension`` has now (to change some of them and save:
    update_extension)."""
    return ExtensionSettings(
        name=extension.name, email=extension.email, department_id=extension.department_id,
        outbound_caller_id=extension.outbound_caller_id,
        **{flag: getattr(extension, flag) for flag in FLAGS})


def create_extension(domain, number, settings, password=None):
    """Create an extension with these settings; ``(extension, password)``, the password
    generated when none is given (shown once: only its HA1 is kept)."""
    item = ExtensionInput(number.strip(), settings.name.strip(), password or generate_password(),
                          "", settings.email.strip())
    check_input(item, outbound_prefixes(domain))
    check_caller_id(settings.outbound_caller_id.strip())
    _check_department(domain, settings.department_id)
    try:
        with database.atomic():
            _check_number_free(domain, item.number)
            row = _build_rows(domain, [item], hash_pin(DEFAULT_VOICEMAIL_PIN))[0]
            row.update(_settings_row(settings))
            extension = Extension.create(**row)
    except peewee.IntegrityError:  # made at the same moment by another request
        raise ValidationError("extension %(number)s already exists",
                              {"number": item.number}) from None
    return extension, item.password


def update_extension(extension, settings):
    """Change an extension's settings; disabling it or withdrawing its portal access ends
    its portal sessions."""
    check_name(settings.name.strip())
    check_email(settings.email.strip())
    check_caller_id(settings.outbound_caller_id.strip())
    _check_department(extension.domain_id, settings.department_id)
    changes = _settings_row(settings)
    with database.atomic():
        Extension.update(**changes).where(Extension.id == extension.id).execute()
        if not (settings.enabled and settings.portal_enabled):
            sessions.end_for_extensions([extension.id])
    for field, value in changes.items():
        setattr(extension, field, value)
    return extension


def delete_extension(extension):
    """Remove an extension (see remove_extension); its portal sessions end with it."""
    with database.atomic():
        sessions.end_for_extensions([extension.id])
        remove_extension(extension.domain, extension.number)


def reset_password(extension):
    """A new generated SIP password, returned once (only its HA1 is kept); the extension's
    portal sessions end."""
    password = generate_password()
    set_password(extension, password)
    return password


def _settings_row(settings):
    row = {flag: bool(getattr(settings, flag)) for flag in FLAGS}
    row.update(name=settings.name.strip(), email=settings.email.strip(),
               department=settings.department_id,
               outbound_caller_id=settings.outbound_caller_id.strip())
    return row


def _check_department(domain, department_id):
    if department_id is not None and not Department.select().where(
            Department.id == department_id, Department.domain == domain).exists():
        raise ValidationError("there is no such department")


def _check_number_free(domain, number):
    """No other destination the dialplan tries answers to ``number``
    (services/internal_numbers: rooms, queues, parking slots, feature codes)."""
    if Extension.select().where(Extension.domain == domain, Extension.number == number).exists():
        raise ValidationError("extension %(number)s already exists", {"number": number})
    for model in (ConferenceRoom, Queue, FaxNumber):
        if model.select().where(model.domain == domain, model.number == number).exists():
            raise ValidationError("number %(number)s is taken by a conference room, a queue "
                                  "or a fax number", {"number": number})
    parking = lot(domain)
    if number in parking.numbers:
        raise ValidationError("number %(number)s is a parking slot (%(slots)s)",
                              {"number": number, "slots": parking.shown})
    code = feature_code_of(domain, number)
    if code is not None:
        raise ValidationError("number %(number)s is the feature code %(code)s",
                              {"number": number, "code": code})
