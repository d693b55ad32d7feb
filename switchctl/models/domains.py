"""Domains (tenants), their settings and their outbound routes."""

import peewee

from switchctl.models.base import BaseModel, now


class Domain(BaseModel):
    """A SIP domain; every other record belongs to one."""

    name = peewee.CharField(max_length=253, unique=True)
    created = peewee.DateTimeField(default=now)


class Setting(BaseModel):
    """A key/value setting of one domain (portal switch, outbound prefix, ...)."""

    domain = peewee.ForeignKeyField(Domain, backref="settings", on_delete="CASCADE")
    key = peewee.CharField(max_length=64)
    value = peewee.TextField()

    class Meta:
        indexes = ((("domain", "key"), True),)


class OutboundRoute(BaseModel):
    """Numbers dialled with ``prefix`` leave (prefix stripped) through a SIP gateway."""

    domain = peewee.ForeignKeyField(Domain, backref="outbound_routes", on_delete="CASCADE")
    prefix = peewee.CharField(max_length=8)
    gateway = peewee.CharField(max_length=64)

    class Meta:
        indexes = ((("domain", "prefix"), True),)
