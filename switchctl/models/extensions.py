"""Departments (pickup groups) and extensions."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain

DEFAULT_RING_SECONDS = 30


class Department(BaseModel):
    """A department; its extensions form one pickup group (``*8``)."""

    domain = peewee.ForeignKeyField(Domain, backref="departments", on_delete="CASCADE")
    name = peewee.CharField(max_length=64)

    class Meta:
        indexes = ((("domain", "name"), True),)


class Extension(BaseModel):
    """A phone extension: the SIP account, its features and its portal login.

    The SIP password is kept only as its digest HA1, md5("number:domain:password"),
    which FreeSWITCH accepts as ``a1-hash`` and the portal checks logins against.
    """

    domain = peewee.ForeignKeyField(Domain, backref="extensions", on_delete="CASCADE")
    number = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=80)
    sip_ha1 = peewee.CharField(max_length=32)
    email = peewee.CharField(max_length=254, default="")
    department = peewee.ForeignKeyField(
        Department, null=True, backref="extensions", on_delete="SET NULL")
    enabled = peewee.BooleanField(default=True)
    portal_enabled = peewee.BooleanField(default=False)
    may_monitor = peewee.BooleanField(default=False)
    outbound_allowed = peewee.BooleanField(default=True)
    # Caller ID number shown on calls out through the trunk; empty = the trunk's default.
    outbound_caller_id = peewee.CharField(max_length=24, default="")
    voicemail_enabled = peewee.BooleanField(default=True)
    voicemail_pin_hash = peewee.CharField(max_length=255)
    # The message's row and WAV go once its email is sent (the email is the copy kept).
    voicemail_delete_after_email = peewee.BooleanField(default=False)
    dnd = peewee.BooleanField(default=False)
    ring_seconds = peewee.IntegerField(default=DEFAULT_RING_SECONDS)
    follow_me_enabled = peewee.BooleanField(default=False)
    # The forwarding page's "activate" switch: off, no forward rule is followed (each
    # keeps its number and its own enable); the phone's *71/*72/*73 turn it on again.
    forwarding_active = peewee.BooleanField(default=True)
    # The portal language this user chose ("" = the browser's); see portal/i18n.py.
    portal_language = peewee.CharField(max_length=16, default="")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)
