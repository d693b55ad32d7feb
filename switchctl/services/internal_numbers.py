"""The numbers our users dial inside the office, and whether one is still free.

A conference room or a queue is reached by dialling its number, so that number must not
be taken by anything else the dialplan tries (xml_curl/dialplan.INTERNAL_DESTINATIONS):
an extension, another room or queue, a parking slot, a fax number, a feature code, or the
start of an outbound prefix (``9`` + an outside number leaves through the trunk). A fax
number (a DID too) must be none of the first ones (check_unused)."""

import re

from switchctl.models import ConferenceRoom, Extension, FaxNumber, OutboundRoute, Queue
from switchctl.services import ValidationError
from switchctl.services.feature_codes import FEATURES, domain_codes
from switchctl.services.parking import lot

NUMBER_PATTERN = re.compile(r"^[0-9]{2,8}\Z")  # as an extension's (services/extensions)


def check_free_number(domain, number, room_id=None, queue_id=None):
    """Raise ValidationError unless ``number`` (2 to 8 digits) may be given to a room or a
    queue of ``domain``; ``room_id`` / ``queue_id``: the record being changed (its own
    number is free for it)."""
    if not NUMBER_PATTERN.match(number):
        raise ValidationError("number %(number)s must be 2 to 8 digits", {"number": number})
    prefix = next((route.prefix for route in _routes(domain) if number.startswith(route.prefix)),
                  None)
    if prefix is not None:
        raise ValidationError("number %(number)s starts with the outbound prefix %(prefix)s",
                              {"number": number, "prefix": prefix})
    check_unused(domain, number, room_id, queue_id)
    code = feature_code_of(domain, number)
    if code is not None:
        raise ValidationError("number %(number)s is the feature code %(code)s",
                              {"number": number, "code": code})


def check_unused(domain, number, room_id=None, queue_id=None, fax_numbers=True):
    """Raise ValidationError when an extension, a parking slot, a conference room, a queue
    or (``fax_numbers``) a fax number of ``domain`` has ``number`` already (``room_id`` /
    ``queue_id``: the record being changed, whose own number is free for it)."""
    parking = lot(domain)
    if number in parking.numbers:
        raise ValidationError("number %(number)s is a parking slot (%(slots)s)",
                              {"number": number, "slots": parking.shown})
    if Extension.select().where(Extension.domain == domain, Extension.number == number).exists():
        raise ValidationError("number %(number)s is an extension", {"number": number})
    _check_records(domain, number, room_id, queue_id)
    if fax_numbers and FaxNumber.select().where(FaxNumber.domain == domain,
                                                FaxNumber.number == number).exists():
        raise ValidationError("number %(number)s is a fax number", {"number": number})


def _routes(domain):
    return OutboundRoute.select(OutboundRoute.prefix).where(OutboundRoute.domain == domain)


def _check_records(domain, number, room_id, queue_id):
    rooms = ConferenceRoom.select().where(ConferenceRoom.domain == domain,
                                          ConferenceRoom.number == number)
    if room_id is not None:
        rooms = rooms.where(ConferenceRoom.id != room_id)
    if rooms.exists():
        raise ValidationError("number %(number)s is a conference room", {"number": number})
    queues = Queue.select().where(Queue.domain == domain, Queue.number == number)
    if queue_id is not None:
        queues = queues.where(Queue.id != queue_id)
    if queues.exists():
        raise ValidationError("number %(number)s is a queue", {"number": number})


def feature_code_of(domain, number):
    """The domain's dialled feature code that ``number`` would be taken for, or None
    (matched as the dialplan matches codes: Feature.dial_regex)."""
    codes = domain_codes(getattr(domain, "id", domain))
    for feature in FEATURES:
        if not feature.in_call and re.match(feature.dial_regex(codes[feature.key]), number):
            return codes[feature.key]
    return None
