"""Numbers that may not call in."""

from switchctl.models import BlacklistEntry, CallRecord, Extension, database
from switchctl.models.call_records import DIRECTION_INBOUND
from switchctl.services import ValidationError
from switchctl.services.numbers import EXTERNAL_NUMBER, digits_key


def check_external(domain, number):
    """Only outside numbers can be blacklisted: never one of our extensions."""
    if not EXTERNAL_NUMBER.match(number):
        raise ValidationError(f"{number!r} is not a phone number")
    key = digits_key(number)
    is_extension = Extension.select().where(Extension.domain == domain,
                                            Extension.number == key).exists()
    if is_extension:
        raise ValidationError(f"{number} is an extension: only outside numbers can be blocked")
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


def last_external_caller(extension):
    """The number of the last outside call to ``extension``, or None."""
    record = (CallRecord.select(CallRecord.caller_number)
              .where(CallRecord.callee_extension == extension,
                     CallRecord.direction == DIRECTION_INBOUND)
              .order_by(CallRecord.start.desc()).first())
    return None if record is None else record.caller_number
