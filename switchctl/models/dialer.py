"""The browser dialer's Verto credentials: what a portal session gives its page to log
in to FreeSWITCH's mod_verto as the session's extension, instead of the SIP password.

A credential is a random token; only its SHA-256 is stored. It belongs to one portal
session (ended with it) and one extension, is good once, and only until ``expires``
(services.dialer)."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension
from switchctl.models.logins import PortalSession


class DialerCredential(BaseModel):
    token_hash = peewee.CharField(max_length=64, unique=True)
    session = peewee.ForeignKeyField(PortalSession, backref="dialer_credentials",
                                     on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="dialer_credentials",
                                       on_delete="CASCADE")
    created = peewee.DateTimeField(default=now)
    expires = peewee.DateTimeField(index=True)
