"""The phonebook, with its visibility rule enforced in every query here.

Contacts an admin or operator added (no owner) are visible to every extension;
a contact an extension added is visible to that extension (and to admins and
operators, who see everything).
"""

from switchctl.models import Contact
from switchctl.services import ValidationError
from switchctl.services.extensions import EMAIL_PATTERN, check_text, extension_records
from switchctl.services.numbers import digits_key

LIMITS = {"name": 80, "phone": 32, "email": 254, "company": 120}


def visible_to(extension_id):
    """The condition selecting the contacts an extension may see."""
    return Contact.owner.is_null() | (Contact.owner == extension_id)


def add_contact(domain, name, phone, email="", company="", owner=None):
    values = {"name": name.strip(), "phone": phone.strip(), "email": email.strip(),
              "company": company.strip()}
    _check(values)
    return Contact.create(domain=domain, owner=owner, phone_key=digits_key(values["phone"]),
                          **values)


def _check(values):
    for field, limit in LIMITS.items():
        check_text(field, values[field], limit, required=field == "name")
    if len(digits_key(values["phone"])) < 2:
        raise ValidationError("phone must hold a number")
    if values["email"] and not EMAIL_PATTERN.match(values["email"]):
        raise ValidationError(f"email {values['email']!r} is not an address")


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
