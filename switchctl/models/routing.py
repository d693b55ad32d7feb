"""What decides where a call goes: forwarding, follow-me, blacklist, outbound route."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension
from switchctl.models.tenancy import Domain

FORWARD_ALWAYS = "always"
FORWARD_BUSY = "busy"
FORWARD_NO_ANSWER = "no_answer"
FORWARD_UNAVAILABLE = "unavailable"
FORWARD_KINDS = (FORWARD_ALWAYS, FORWARD_BUSY, FORWARD_NO_ANSWER, FORWARD_UNAVAILABLE)


class ForwardRule(BaseModel):
    """One forwarding type of one extension: its number and whether it is active."""

    extension = peewee.ForeignKeyField(Extension, backref="forwards", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12, choices=[(k, k) for k in FORWARD_KINDS])
    destination = peewee.CharField(max_length=32, default="")
    active = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("extension", "kind"), True),)


class FollowMeEntry(BaseModel):
    """One step of an extension's follow-me list, rung for ``timeout`` seconds."""

    extension = peewee.ForeignKeyField(Extension, backref="follow_me", on_delete="CASCADE")
    position = peewee.IntegerField()
    destination = peewee.CharField(max_length=32)
    timeout = peewee.IntegerField(default=20)

    class Meta:
        indexes = ((("extension", "position"), True),)


class BlacklistEntry(BaseModel):
    """An external number that may not call in."""

    domain = peewee.ForeignKeyField(Domain, backref="blacklist", on_delete="CASCADE")
    number = peewee.CharField(max_length=32)
    added_by = peewee.ForeignKeyField(Extension, null=True, on_delete="SET NULL")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)


class OutboundRoute(BaseModel):
    """Numbers dialled with ``prefix`` leave (prefix stripped) through a SIP gateway."""

    domain = peewee.ForeignKeyField(Domain, backref="outbound_routes", on_delete="CASCADE")
    prefix = peewee.CharField(max_length=8)
    gateway = peewee.CharField(max_length=64)

    class Meta:
        indexes = ((("domain", "prefix"), True),)
