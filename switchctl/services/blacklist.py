"""Numbers that may not call in: added from the phone (``*75``, ``*76``), the portal or
the command line, all through ``add`` and ``remove`` here."""

import peewee

from switchctl.models import BlacklistEntry, CallRecord, Extension, database
from switchctl.models.call_records import DIRECTION_INBOUND
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.numbers import EXTERNAL_NUMBER, digits_key

PAGE_SIZE = 50


def check_external(domain, number):
    """Only outside numbers can be blacklisted: never one of our extensions."""
    if not EXTERNAL_NUMBER.match(number):
        raise ValidationError("%(number)s is not a phone number (3 to 20 digits, optionally "
                              "with +)", {"number": number})
    key = digits_key(number)
    is_extension = Extension.select().where(Extension.domain == domain,
                                            Extension.number == key).exists()
    if is_extension:
        raise ValidationError("%(number)s is an extension: only outside numbers can be blocked",
                              {"number": number})
    return key


def add(domain, number, added_by=None):
    """Blacklist ``number``; returns False if it was listed already."""
    key = check_external(domain, number)
    with database.atomic():
        if BlacklistEntry.select().where(BlacklistEntry.domain == domain,
                                         BlacklistEntry.number == key).exists():
            return False
        BlacklistEntry.create(domain=domain, number=key, added_by=added_by)
    return True


def remove(domain, number):
    """Take ``number`` off the blacklist; returns False if it was not listed."""
    return bool(BlacklistEntry.delete().where(BlacklistEntry.domain == domain,
                                              BlacklistEntry.number == digits_key(number))
                .execute())


def is_listed(domain_id, number):
    key = digits_key(number)
    return bool(key) and BlacklistEntry.select().where(
        BlacklistEntry.domain == domain_id, BlacklistEntry.number == key).exists()


def entries(domain, search="", page=1, page_size=PAGE_SIZE):
    """``(entries, has_next)``: one page of the domain's blacklist by number, each entry
    with the extension that added it (or None); ``search``: digits the number contains."""
    adder = Extension.alias()
    query = (BlacklistEntry.select(BlacklistEntry, adder.number.alias("added_by_number"))
             .join(adder, peewee.JOIN.LEFT_OUTER, on=(BlacklistEntry.added_by == adder.id))
             .where(BlacklistEntry.domain == domain))
    key = digits_key(search)
    if key:
        query = query.where(BlacklistEntry.number.contains(key))
    rows = list(query.order_by(BlacklistEntry.number)
                .limit(page_size + 1).offset((page - 1) * page_size).objects())
    return rows[:page_size], len(rows) > page_size


def find_entry(domain, entry_id):
    """The entry ``entry_id`` of ``domain``, or None (another domain's id finds nothing)."""
    return one_in_domain(BlacklistEntry, domain, id=entry_id)


def last_external_caller(extension):
    """The number of the last outside call to ``extension``, or None."""
    record = (CallRecord.select(CallRecord.caller_number)
              .where(CallRecord.callee_extension == extension,
                     CallRecord.direction == DIRECTION_INBOUND)
              .order_by(CallRecord.start.desc()).first())
    return None if record is None else record.caller_number
