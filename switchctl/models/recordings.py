"""Calls recorded with the in-call ``*1`` code."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension


class Recording(BaseModel):
    """A call recorded with the in-call ``*1`` code."""

    domain = peewee.ForeignKeyField(Domain, backref="recordings", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="recordings", on_delete="CASCADE")
    call_uuid = peewee.CharField(max_length=64, index=True)
    path = peewee.CharField(max_length=255)
    started = peewee.DateTimeField(default=now)
    duration = peewee.IntegerField(default=0)
