"""Conference rooms."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain


class ConferenceRoom(BaseModel):
    """A conference room; the admin PIN lets a member invite others."""

    domain = peewee.ForeignKeyField(Domain, backref="conference_rooms", on_delete="CASCADE")
    number = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=80, default="")
    admin_pin = peewee.CharField(max_length=16)
    user_pin = peewee.CharField(max_length=16, default="")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)
