"""Conference rooms (manual §2.8): a number to dial, an admin PIN and a user PIN.

Plain records and their rules; the call flow that answers a room's number reads them."""

import re

from switchctl.models import ConferenceRoom, database
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.internal_numbers import check_free_number

PIN_PATTERN = re.compile(r"^[0-9]{3,8}\Z")
MAX_NAME = 80
FORBIDDEN_TEXT = frozenset("${}\\")  # FreeSWITCH expands ${...}: names never carry it


def check_name(name, required=False):
    """Printable text of at most 80 characters without ``$ { } \\``."""
    if required and not name:
        raise ValidationError("a name is required")
    if len(name) > MAX_NAME or not name.isprintable() or FORBIDDEN_TEXT & set(name):
        raise ValidationError("the name must be printable text of at most %(limit)s characters "
                              "without $ { } \\", {"limit": MAX_NAME})
    return name


def check_pins(admin_pin, user_pin):
    """The admin PIN is required, the user PIN optional; each 3 to 8 digits, not the same."""
    if not admin_pin:
        raise ValidationError("the admin PIN is required")
    for pin in (admin_pin, user_pin):
        if pin and not PIN_PATTERN.match(pin):
            raise ValidationError("a PIN must be 3 to 8 digits")
    if admin_pin == user_pin:
        raise ValidationError("the user PIN must differ from the admin PIN")


def list_rooms(domain):
    return ConferenceRoom.select().where(ConferenceRoom.domain == domain) \
        .order_by(ConferenceRoom.number)


def find_room(domain, room_id):
    """The room ``room_id`` of ``domain``, or None (another domain's id finds nothing)."""
    return one_in_domain(ConferenceRoom, domain, id=room_id)


def room_by_number(domain, number):
    return one_in_domain(ConferenceRoom, domain, ValidationError(
        "there is no conference room %(number)s", {"number": number}), number=number)


def add_room(domain, number, admin_pin, user_pin="", name=""):
    number, name = number.strip(), name.strip()
    check_name(name)
    check_pins(admin_pin, user_pin)
    with database.atomic():
        check_free_number(domain, number)
        return ConferenceRoom.create(domain=domain, number=number, name=name,
                                     admin_pin=admin_pin, user_pin=user_pin)


def update_room(room, number=None, admin_pin=None, user_pin=None, name=None):
    """Change what is given (None: keep it); all checked before anything is stored."""
    number = room.number if number is None else number.strip()
    name = room.name if name is None else name.strip()
    admin_pin = room.admin_pin if admin_pin is None else admin_pin
    user_pin = room.user_pin if user_pin is None else user_pin
    check_name(name)
    check_pins(admin_pin, user_pin)
    with database.atomic():
        check_free_number(room.domain_id, number, room_id=room.id)
        room.number, room.name, room.admin_pin, room.user_pin = number, name, admin_pin, user_pin
        room.save()
    return room


def remove_room(room):
    room.delete_instance()
