"""Who may log in to the portal: extension users and admin/operator accounts.

Extension users log in with their number and SIP password (checked against the
stored HA1); they need the portal switched on for the domain and for their
extension. Admins and operators log in with their account name and password.
A principal's ``session_id`` ends with a fingerprint of its password hash, so a
password change ends every session opened with the old one.
"""

import dataclasses
import hashlib
import re

from switchctl.models import Domain, Extension, PortalAccount
from switchctl.models.tenancy import ROLE_EXTENSION, ROLES
from switchctl.passwords import check_hash, check_sip_password, hash_account_password
from switchctl.services.domains import portal_enabled
from switchctl.services.extensions import ValidationError, check_password

ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$")
# Checked against a hash of nothing when the user does not exist: same cost, no user probe.
_DUMMY_HASH = hash_account_password("no such account")


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a portal session belongs to."""

    kind: str  # "e" (extension) or "a" (account)
    record_id: int
    domain_name: str
    name: str  # the extension number or the account name
    display_name: str
    role: str  # admin, operator or extension
    fingerprint: str

    @property
    def session_id(self):
        return f"{self.kind}{self.record_id}.{self.fingerprint}"

    @property
    def user(self):
        """The SIP user (``101@pbx.local``) of an extension; None for an account."""
        return f"{self.name}@{self.domain_name}" if self.kind == "e" else None


class LoginRefused(Exception):
    """The login is refused; the message is safe to show."""


def _fingerprint(secret_hash):
    return hashlib.sha256(secret_hash.encode()).hexdigest()[:16]


def _extension_principal(extension, domain_name):
    return Principal("e", extension.id, domain_name, extension.number, extension.name,
                     ROLE_EXTENSION, _fingerprint(extension.sip_ha1))


def _account_principal(account, domain_name):
    return Principal("a", account.id, domain_name, account.username, account.username,
                     account.role, _fingerprint(account.password_hash))


def authenticate(domain_name, username, password):
    """The Principal for a correct login; LoginRefused (with a safe message) otherwise."""
    domain = Domain.get_or_none(Domain.name == domain_name)
    if domain is None:
        raise LoginRefused("this portal has no such domain")
    username = username.strip()
    extension = Extension.get_or_none(Extension.domain == domain, Extension.number == username)
    if extension is not None:
        if not check_sip_password(extension.sip_ha1, username, domain_name, password):
            raise LoginRefused("wrong extension number or password")
        if not (extension.enabled and portal_enabled(domain) and extension.portal_enabled):
            raise LoginRefused("the portal is not open to this extension; ask your administrator")
        return _extension_principal(extension, domain_name)
    account = PortalAccount.get_or_none(PortalAccount.domain == domain,
                                        PortalAccount.username == username)
    stored = account.password_hash if account is not None else _DUMMY_HASH
    if not check_hash(stored, password) or account is None:
        raise LoginRefused("wrong extension number or password")
    return _account_principal(account, domain_name)


def load_principal(session_id):
    """The Principal of a session id, or None when it no longer holds (removed, disabled,
    password changed, portal switched off)."""
    kind, rest = session_id[:1], session_id[1:]
    number, _, fingerprint = rest.partition(".")
    if not number.isascii() or not number.isdigit():
        return None
    if kind == "e":
        found = (Extension.select(Extension, Domain).join(Domain)
                 .where(Extension.id == int(number)).first())
        if found is None or not (found.enabled and found.portal_enabled
                                 and portal_enabled(found.domain)):
            return None
        principal = _extension_principal(found, found.domain.name)
    elif kind == "a":
        found = (PortalAccount.select(PortalAccount, Domain).join(Domain)
                 .where(PortalAccount.id == int(number)).first())
        if found is None:
            return None
        principal = _account_principal(found, found.domain.name)
    else:
        return None
    return principal if principal.fingerprint == fingerprint else None


def add_account(domain, username, role, password):
    """Create an admin or operator account."""
    if not ACCOUNT_NAME.match(username):
        raise ValidationError("an account name starts with a letter and has 2 to 64 letters, "
                              "digits or . _ -")
    if role not in ROLES[:2]:
        raise ValidationError(f"role must be one of {', '.join(ROLES[:2])}")
    check_password(password)
    if PortalAccount.select().where(PortalAccount.domain == domain,
                                    PortalAccount.username == username).exists():
        raise ValidationError(f"account {username} already exists")
    return PortalAccount.create(domain=domain, username=username, role=role,
                                password_hash=hash_account_password(password))
