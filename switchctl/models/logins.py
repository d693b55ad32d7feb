"""Who may log in to the portal: the roles, admin/operator accounts, and the sessions
of those logged in.

Extension users log in as their extension (see models.extensions)."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension

ROLE_ADMIN = "admin"
ROLE_OPERATOR = "operator"
ROLE_EXTENSION = "extension"
ROLES = (ROLE_ADMIN, ROLE_OPERATOR, ROLE_EXTENSION)


class PortalAccount(BaseModel):
    """An admin or operator login. Extension users log in as their extension."""

    domain = peewee.ForeignKeyField(Domain, backref="accounts", on_delete="CASCADE")
    username = peewee.CharField(max_length=64)
    password_hash = peewee.CharField(max_length=255)
    role = peewee.CharField(max_length=16, choices=[(r, r) for r in ROLES[:2]])
    created = peewee.DateTimeField(default=now)
    # The portal language this account chose ("" = the browser's); see portal/i18n.py.
    language = peewee.CharField(max_length=16, default="")
    # The optional TOTP second factor: its base32 secret ("" = none) and the last time
    # step a code was accepted for (a code is good once: no replay within its window).
    totp_secret = peewee.CharField(max_length=64, default="")
    totp_last_step = peewee.BigIntegerField(default=0)

    class Meta:
        indexes = ((("domain", "username"), True),)


class PortalSession(BaseModel):
    """A logged-in portal session, kept on the server so that it can be ended there.

    The browser's (signed) cookie holds a random token; only its SHA-256 is stored here.
    It belongs to an extension or to an account (the other is null), whose removal ends
    it; ``fingerprint`` is the keyed fingerprint of the password hash it was opened
    with (services.logins), so a changed password ends it too. Ending a session deletes
    its row (services.sessions)."""

    token_hash = peewee.CharField(max_length=64, unique=True)
    domain = peewee.ForeignKeyField(Domain, backref="portal_sessions", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, null=True, backref="portal_sessions",
                                       on_delete="CASCADE")
    account = peewee.ForeignKeyField(PortalAccount, null=True, backref="sessions",
                                     on_delete="CASCADE")
    fingerprint = peewee.CharField(max_length=64)
    created = peewee.DateTimeField(default=now)
    last_seen = peewee.DateTimeField(default=now)


class LoginFailure(BaseModel):
    """One counted portal login attempt under one of the throttle's three keys (a name
    from an address, an address, a name from anywhere; portal.throttle).

    ``key`` is the SHA-256 of the key's kind and parts, so what was typed as a name (a
    password, now and then) is never stored, and every index entry is 64 characters
    whatever arrives. ``at`` is wall-clock seconds (time.time()): shared by every process
    on the database, and kept over a restart. Old rows are swept in small batches."""

    key = peewee.CharField(max_length=64)
    at = peewee.DoubleField()

    class Meta:
        indexes = ((("key", "at"), False), (("at",), False))
