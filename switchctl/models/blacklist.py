"""The blacklist: outside numbers that may not call in."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension


class BlacklistEntry(BaseModel):
    """An external number that may not call in."""

    domain = peewee.ForeignKeyField(Domain, backref="blacklist", on_delete="CASCADE")
    number = peewee.CharField(max_length=32)
    added_by = peewee.ForeignKeyField(Extension, null=True, on_delete="SET NULL")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)
