"""Parking (manual §2.3): the domain's parking lot, its slots and how long a call waits.

Two domain settings: ``parking_slots``, the slots ``*4#`` parks in and ``<slot>#``
retrieves from (``41-49`` by default: a range of two- to four-digit numbers), and
``parking_seconds``, how long a parked call waits before it rings the parker again (45 by
default). A slot is a number the dialplan answers, so no extension, room or queue may
have one (services/internal_numbers, services/extensions), and a new range is refused
while a number of the domain lies in it.
"""

import dataclasses
import re

from switchctl.models import ConferenceRoom, Extension, FaxNumber, Queue, Setting, database
from switchctl.services import ValidationError
from switchctl.services.domains import set_setting

SLOTS = "parking_slots"
SECONDS = "parking_seconds"
DEFAULT_SLOTS = "41-49"
DEFAULT_SECONDS = 45
RANGE = re.compile(r"^([0-9]{2,4})-([0-9]{2,4})\Z")
MIN_SECONDS, MAX_SECONDS = 5, 3600
MAX_SLOTS = 100


@dataclasses.dataclass(frozen=True)
class Lot:
    first: int
    last: int
    seconds: int

    @property
    def numbers(self):
        return frozenset(str(slot) for slot in range(self.first, self.last + 1))

    @property
    def shown(self):
        return f"{self.first}-{self.last}"


def parse_range(text):
    """``(first, last)`` of ``41-49``; ValidationError for anything else."""
    found = RANGE.match((text or "").strip())
    if not found:
        raise ValidationError("parking slots are a range such as 41-49")
    first, last = (int(part) for part in found.groups())
    if found.group(1)[0] == "0" or found.group(2)[0] == "0" or \
            len(found.group(1)) != len(found.group(2)) or not first <= last or \
            last - first + 1 > MAX_SLOTS:
        raise ValidationError("parking slots are a range of numbers of one length, the first "
                              "not above the last, at most %(most)s slots",
                              {"most": MAX_SLOTS})
    return first, last


def lot(domain):
    """The domain's Lot (a Domain or its id), in one query; a stored value that no longer
    parses gives the defaults."""
    stored = dict(Setting.select(Setting.key, Setting.value)
                  .where(Setting.domain == domain, Setting.key.in_((SLOTS, SECONDS))).tuples())
    try:
        first, last = parse_range(stored.get(SLOTS, DEFAULT_SLOTS))
    except ValidationError:
        first, last = parse_range(DEFAULT_SLOTS)
    seconds = stored.get(SECONDS, str(DEFAULT_SECONDS))
    seconds = int(seconds) if seconds.isascii() and seconds.isdigit() and \
        MIN_SECONDS <= int(seconds) <= MAX_SECONDS else DEFAULT_SECONDS
    return Lot(first, last, seconds)


def slot_numbers(domain):
    return lot(domain).numbers


def lot_name(domain_name):
    """mod_valet_parking's lot of the domain (its lots live in the switch's memory)."""
    return f"switchctl@{domain_name}"


def set_lot(domain, slots=None, seconds=None):
    """Change what is given (None: keep it); checked before anything is stored: no
    extension, room, queue or fax number of the domain may have a number in the new range."""
    with database.atomic():
        if slots is not None:
            first, last = parse_range(slots)
            numbers = [str(slot) for slot in range(first, last + 1)]
            for model in (Extension, ConferenceRoom, Queue, FaxNumber):
                taken = model.select(model.number).where(model.domain == domain,
                                                         model.number.in_(numbers)).first()
                if taken is not None:
                    raise ValidationError("number %(number)s is already in use: it cannot be "
                                          "a parking slot", {"number": taken.number})
        if seconds is not None:
            text = str(seconds).strip()
            whole = text.isascii() and text.isdigit()
            if not whole or not MIN_SECONDS <= int(text) <= MAX_SECONDS:
                raise ValidationError("a parked call waits %(low)s to %(high)s seconds",
                                      {"low": MIN_SECONDS, "high": MAX_SECONDS})
            set_setting(domain, SECONDS, str(int(text)))
        if slots is not None:
            set_setting(domain, SLOTS, f"{first}-{last}")
    return lot(domain)
