"""Fax numbers: numbers the switch answers as a fax machine (a DID of the trunk, or an
internal number), each owned by an extension whose fax log gets what arrives. Set by an
admin (``switchctl fax number-add``, the portal's Fax numbers page)."""

import re

import peewee

from switchctl.models import Domain, Extension, FaxNumber, database
from switchctl.services import ValidationError
from switchctl.services.internal_numbers import check_unused
from switchctl.services.prepared import Prepared

NUMBER = re.compile(r"^\+?[0-9]{2,31}\Z")


# Compiled once: it runs on the calls from the trunk to numbers that are no extension's.
_OWNED = Prepared(lambda domain_name, number: (
    FaxNumber.select(FaxNumber.number, FaxNumber.extension)
    .join(Extension).switch(FaxNumber).join(Domain)
    .where(Domain.name == domain_name, FaxNumber.number == number,
           Extension.enabled == True)), 2)  # noqa: E712 (peewee expression)


def owner_of(domain_name, number):
    """The read-only record (``number``, ``extension_id``: its owner) of the fax number
    ``number`` in ``domain_name``, or None (also when the owner is disabled: its faxes
    would reach nobody)."""
    if not NUMBER.match(number or ""):
        return None
    return _OWNED.first(domain_name, number)


def assign(extension, number):
    """Make ``number`` a fax number of ``extension`` (its own domain)."""
    number = (number or "").strip()
    if not NUMBER.match(number):
        raise ValidationError("%(number)s is not a fax number (2 to 31 digits, + first "
                              "if international)", {"number": number})
    # Nothing else the dialplan tries may answer to it (the fax number itself: the index).
    check_unused(extension.domain_id, number, fax_numbers=False)
    try:
        with database.atomic():
            return FaxNumber.create(domain=extension.domain_id, number=number,
                                    extension=extension)
    except peewee.IntegrityError:
        raise ValidationError("%(number)s is already a fax number",
                              {"number": number}) from None


def remove(domain, number):
    """Stop answering ``number`` as a fax machine; True if it was one."""
    return FaxNumber.delete().where(FaxNumber.domain == domain,
                                    FaxNumber.number == number).execute() == 1


def listing(domain):
    """The domain's fax numbers by number, each with its owner (``.extension``: its number,
    name and whether it is enabled, so answered)."""
    return list(FaxNumber.select(FaxNumber, Extension).join(Extension)
                .where(FaxNumber.domain == domain).order_by(FaxNumber.number))


def find(domain, number_id):
    """The domain's fax number ``number_id``, or None (another domain's, or none)."""
    return FaxNumber.get_or_none(FaxNumber.id == number_id, FaxNumber.domain == domain)
