"""Domains (tenants), portal accounts and system settings."""

import peewee

from switchctl.models.base import BaseModel, now

ROLE_ADMIN = "admin"
ROLE_OPERATOR = "operator"
ROLE_EXTENSION = "extension"
ROLES = (ROLE_ADMIN, ROLE_OPERATOR, ROLE_EXTENSION)


class Domain(BaseModel):
    """A SIP domain; every other record belongs to one."""

    name = peewee.CharField(max_length=253, unique=True)
    created = peewee.DateTimeField(default=now)


class PortalAccount(BaseModel):
    """An admin or operator login. Extension users log in as their extension."""

    domain = peewee.ForeignKeyField(Domain, backref="accounts", on_delete="CASCADE")
    username = peewee.CharField(max_length=64)
    password_hash = peewee.CharField(max_length=255)
    role = peewee.CharField(max_length=16, choices=[(r, r) for r in ROLES[:2]])
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "username"), True),)


class Setting(BaseModel):
    """A key/value setting of one domain (portal switch, outbound prefix, ...)."""

    domain = peewee.ForeignKeyField(Domain, backref="settings", on_delete="CASCADE")
    key = peewee.CharField(max_length=64)
    value = peewee.TextField()

    class Meta:
        indexes = ((("domain", "key"), True),)
