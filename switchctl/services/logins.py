"""Who may log in to the portal: extension users and admin/operator accounts.

Extension users log in with their number and SIP password (checked against the
stored HA1); they need the portal switched on for the domain and for their
extension. Admins and operators log in with their account name (which starts
with a letter) and password. The form of the name alone picks the check, so its
cost does not tell whether a name exists.

A login opens a session kept on the server (services.sessions); the principal's
``session_id`` is its token. The session remembers a keyed fingerprint of the password
hash it was opened with (HMAC with the portal's secret key: nothing in it helps to guess
a password), so a password changed by any path ends every session opened with the old one.
"""

import dataclasses
import hashlib
import hmac
import re

from peewee import JOIN

from switchctl.models import Domain, Extension, PortalAccount, PortalSession, Setting
from switchctl.models.logins import ROLE_EXTENSION, ROLES
from switchctl.passwords import check_hash, check_sip_password, hash_account_password, sip_ha1
from switchctl.pool import run_hashing
from switchctl.services import sessions
from switchctl.services.domains import PORTAL_ENABLED, PORTAL_ON, portal_enabled
from switchctl.services.extensions import NUMBER_PATTERN, ValidationError, check_password

ACCOUNT_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{1,63}$")
MAX_NAME = 64
MAX_PASSWORD = 128
# Checked when the name does not exist: the same cost as for a real one, no probing. Made
# on first use, off the loop: hashing at import cost every command and process 130 ms.
_dummy = []
_DUMMY_HA1 = sip_ha1("0", "no.such.domain", "no such extension")
REFUSED = "wrong extension number or password"


def _dummy_hash():
    if not _dummy:
        _dummy.append(run_hashing(hash_account_password, "no such account"))
    return _dummy[0]


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
    session_id: str = ""  # the token of its session, once one is open
    language: str = ""  # the portal language the login chose ("" = the browser's)

    @property
    def login(self):
        """Who it is, whatever the session: ``e12`` (extension 12) or ``a3`` (account 3)."""
        return f"{self.kind}{self.record_id}"

    @property
    def user(self):
        """The SIP user (``101@pbx.local``) of an extension; None for an account."""
        return f"{self.name}@{self.domain_name}" if self.kind == "e" else None


class LoginRefused(Exception):
    """The login is refused; the message is safe to show."""


def login_name(raw):
    """The name as typed, cleaned once (the throttle and the check must see the same)."""
    return raw.strip()[:MAX_NAME]


def keyed_fingerprint(key, secret_hash):
    return hmac.new(key.encode(), secret_hash.encode(), hashlib.sha256).hexdigest()[:24]


def _extension_principal(key, extension, domain_name):
    return Principal("e", extension.id, domain_name, extension.number, extension.name,
                     ROLE_EXTENSION, keyed_fingerprint(key, extension.sip_ha1),
                     language=extension.portal_language)


def _account_principal(key, account, domain_name):
    return Principal("a", account.id, domain_name, account.username, account.username,
                     account.role, keyed_fingerprint(key, account.password_hash),
                     language=account.language)


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
    stored = account.password_hash if account is not None else _dummy_hash()
    if not (slow_check or check_hash)(stored, password) or account is None:
        raise LoginRefused(REFUSED)
    return _account_principal(key, account, domain_name)


def open_session(principal):
    """Open a session on the server for ``principal`` (just authenticated): the principal
    with its ``session_id``, the token its cookie carries."""
    domain = Domain.get(Domain.name == principal.domain_name)
    owner = "extension_id" if principal.kind == "e" else "account_id"
    token = sessions.start(domain.id, principal.fingerprint, **{owner: principal.record_id})
    return dataclasses.replace(principal, session_id=token)


def renewed(key, principal, secret_hash):
    """The principal after its login's password changed (its new hash or HA1): a new
    fingerprint, no session yet (``open_session`` opens the browser's new one)."""
    return dataclasses.replace(principal, fingerprint=keyed_fingerprint(key, secret_hash),
                               session_id="")


def set_language(principal, language):
    """The portal language of the login (``""``: the browser's), on every device it uses."""
    if principal.kind == "e":
        Extension.update(portal_language=language).where(
            Extension.id == principal.record_id).execute()
    else:
        PortalAccount.update(language=language).where(
            PortalAccount.id == principal.record_id).execute()


def end_session(session_id):
    """Log-out: the session of ``session_id`` ends on the server."""
    sessions.end(session_id)


_PORTAL_SETTING = (Setting.domain == PortalSession.domain) & (Setting.key == PORTAL_ENABLED)


def _session_query(session_id):
    """The session of a token with its domain, its extension or account and the domain's
    portal switch: one query."""
    return (PortalSession.select(PortalSession, Domain, Extension, PortalAccount, Setting)
            .join(Domain).switch(PortalSession)
            .join(Extension, JOIN.LEFT_OUTER).switch(PortalSession)
            .join(PortalAccount, JOIN.LEFT_OUTER).switch(PortalSession)
            .join(Setting, JOIN.LEFT_OUTER, on=_PORTAL_SETTING, attr="portal_switch")
            .where(PortalSession.token_hash == sessions.token_hash(session_id)))


def load_principal(key, session_id):
    """The Principal of a session id, or None when the session is over: ended, expired, or
    no longer held by its login (removed, disabled, password changed, portal switched off:
    then it is ended here). One query (and a write when the session's time is due)."""
    found = _session_query(session_id).first()
    if found is None:
        return None
    principal = _holder(key, found)
    if principal is None or not hmac.compare_digest(principal.fingerprint.encode(),
                                                    found.fingerprint.encode()):
        sessions.end_by_id(found.id)
        return None
    if not sessions.current(found):
        return None
    return dataclasses.replace(principal, session_id=session_id)


def _holder(key, found):
    """The principal a session row names, if it may still be logged in."""
    domain_name = found.domain.name
    if found.extension is not None:
        extension, switch = found.extension, getattr(found, "portal_switch", None)
        domain_open = switch is not None and switch.value == PORTAL_ON
        if not (extension.enabled and extension.portal_enabled and domain_open):
            return None
        return _extension_principal(key, extension, domain_name)
    if found.account is not None:
        return _account_principal(key, found.account, domain_name)
    return None


def end_sessions(domain, names):
    """An administrator's "log out everywhere" for these extension numbers and account
    names; how many sessions ended. All names must exist, else nothing ends."""
    numbers = [name for name in names if NUMBER_PATTERN.match(name)]
    accounts = [name for name in names if name not in numbers]
    extension_ids = {e.number: e.id for e in Extension.select(Extension.id, Extension.number)
                     .where(Extension.domain == domain, Extension.number.in_(numbers))}
    account_ids = {a.username: a.id for a in
                   PortalAccount.select(PortalAccount.id, PortalAccount.username)
                   .where(PortalAccount.domain == domain, PortalAccount.username.in_(accounts))}
    unknown = sorted(set(names) - set(extension_ids) - set(account_ids))
    if unknown:
        raise ValidationError("no such extension or account: %(names)s",
                              {"names": ", ".join(unknown)})
    return (sessions.end_for_extensions(list(extension_ids.values()))
            + sessions.end_for_accounts(list(account_ids.values())))


def end_all_sessions(domain):
    """Every portal session of the domain ends; how many."""
    return sessions.end_for_domain(domain)


def add_account(domain, username, role, password):
    """Create an admin or operator account."""
    if not ACCOUNT_NAME.match(username):
        raise ValidationError("an account name starts with a letter and has 2 to 64 letters, "
                              "digits or . _ -")
    if role not in ROLES[:2]:
        raise ValidationError("role must be one of %(roles)s", {"roles": ", ".join(ROLES[:2])})
    check_password(password)
    if PortalAccount.select().where(PortalAccount.domain == domain,
                                    PortalAccount.username == username).exists():
        raise ValidationError("account %(name)s already exists", {"name": username})
    return PortalAccount.create(domain=domain, username=username, role=role,
                                password_hash=run_hashing(hash_account_password, password))
