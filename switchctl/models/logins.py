"""Who may log in to the portal: the roles, and admin/operator accounts.

Extension users log in as their extension (see models.extensions)."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain

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

    class Meta:
        indexes = ((("domain", "username"), True),)
