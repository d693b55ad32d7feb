"""Who may log in to the portal: extension users and admin/operator accounts.

Extension users log in with their number and SIP password (checked against the
stored HA1); they need the portal switched on for the domain and for their
extension. Admins and operators log in with their account name (which starts
with a letter) and password. The form of the name alone picks the check, so its
cost does not tell whether a name exists.

A principal's ``session_id`` ends with a keyed fingerprint of its password hash
(HMAC with the portal's secret key, so the readable session cookie gives nothing
to guess a password from): a password change ends every session opened with the
old one.
"""

import dataclasses
import hashlib
import hmac
import re

from switchctl.models import Domain, Extension, PortalAccount
from switchctl.models.logins import ROLE_EXTENSION, ROLES
from switchctl.passwords import check_hash, check_sip_password, hash_account_password, sip_ha1
from switchctl.services.domains import portal_enabled
from switchctl.services.extensions import NUMBER_PATTERN, ValidationError, check_password

ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$")
MAX_NAME = 64
MAX_PASSWORD = 128
# Checked when the name does not exist: the same cost as for a real one, no probing.
_DUMMY_HASH = hash_account_password("no such account")
_DUMMY_HA1 = sip_ha1("0", "no.such.domain", "no such extension")
REFUSED = "wrong extension number or password"


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


def login_name(raw):
    """The name as typed, cleaned once (the throttle and the check must see the same)."""
    return raw.strip()[:MAX_NAME]


def _fingerprint(key, secret_hash):
    return hmac.new(key.encode(), secret_hash.encode(), hashlib.sha256).hexdigest()[:24]


def _extension_principal(key, extension, domain_name):
    return Principal("e", extension.id, domain_name, extension.number, extension.name,
                     ROLE_EXTENSION, _fingerprint(key, extension.sip_ha1))


def _account_principal(key, account, domain_name):
    return Principal("a", account.id, domain_name, account.username, account.username,
                     account.role, _fingerprint(key, account.password_hash))


def authenticate(key, domain_name, username, password, slow_check=None):
    """The Principal for a correct login; LoginRefused (with a safe message) otherwise.

    ``slow_check(stored_hash, password)`` runs the account password check (default:
    here); the portal hands it to a worker thread so the deliberate cost of the hash
    does not stall the process's other work."""
    domain = Domain.get_or_none(Domain.name == domain_name)
    if domain is None:
        raise LoginRefused("this portal has no such domain")
    username = login_name(username)
    if len(password) > MAX_PASSWORD:
        raise LoginRefused(REFUSED)
    if NUMBER_PATTERN.match(username):
        extension = Extension.get_or_none(Extension.domain == domain,
                                          Extension.number == username)
        ha1 = extension.sip_ha1 if extension is not None else _DUMMY_HA1
        if not check_sip_password(ha1, username, domain_name, password) or extension is None:
            raise LoginRefused(REFUSED)
        if not (extension.enabled and portal_enabled(domain) and extension.portal_enabled):
            raise LoginRefused("the portal is not open to this extension; ask your administrator")
        return _extension_principal(key, extension, domain_name)
    account = PortalAccount.get_or_none(PortalAccount.domain == domain,
                                        PortalAccount.username == username) \
        if ACCOUNT_NAME.match(username) else None
    stored = account.password_hash if account is not None else _DUMMY_HASH
    if not (slow_check or check_hash)(stored, password) or account is None:
        raise LoginRefused(REFUSED)
    return _account_principal(key, account, domain_name)


def load_principal(key, session_id):
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
        principal = _extension_principal(key, found, found.domain.name)
    elif kind == "a":
        found = (PortalAccount.select(PortalAccount, Domain).join(Domain)
                 .where(PortalAccount.id == int(number)).first())
        if found is None:
            return None
        principal = _account_principal(key, found, found.domain.name)
    else:
        return None
    same = hmac.compare_digest(principal.fingerprint.encode(), fingerprint.encode())
    return principal if same else None


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
