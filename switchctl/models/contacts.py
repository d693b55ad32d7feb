"""The phonebook: shared contacts and each extension's own."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension


class Contact(BaseModel):
    """A phonebook entry.

    ``owner`` is empty for contacts an admin or operator added (visible to every
    extension) and names the extension that added a private one (visible to that
    extension, admins and operators only). ``phone_key`` is the number reduced to
    its digits, for caller-ID lookups.
    """

    domain = peewee.ForeignKeyField(Domain, backref="contacts", on_delete="CASCADE")
    owner = peewee.ForeignKeyField(Extension, null=True, backref="contacts", on_delete="CASCADE")
    name = peewee.CharField(max_length=80)
    phone = peewee.CharField(max_length=32)
    phone_key = peewee.CharField(max_length=32, index=True)
    email = peewee.CharField(max_length=254, default="")
    company = peewee.CharField(max_length=120, default="")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "name"), False),)
