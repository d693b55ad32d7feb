"""Portal sessions kept on the server: opened at log-in, ended by log-out, by a changed
password or withdrawn access, by an administrator (``switchctl portal logout``), or by time.

The browser holds a random token (in the portal's signed session cookie); the database
holds only its SHA-256, so a copy of the database opens no session. A session ends IDLE
after its last request and LIFETIME after it was opened, however much it is used. Its
last request is written at most every TOUCH (most requests only read), so IDLE is counted
in those steps; an open event stream counts as use (it checks its session every 15 s).
Expired sessions are refused when met and swept at every log-in. A login keeps at most
MAX_PER_LOGIN sessions: one more ends its oldest.

Ending a session deletes its row: nothing is left to be switched back on.
"""

import datetime
import hashlib
import secrets

from switchctl.models import PortalSession, database
from switchctl.models.base import now

IDLE = datetime.timedelta(hours=12)
LIFETIME = datetime.timedelta(days=7)
TOUCH = datetime.timedelta(minutes=5)
MAX_PER_LOGIN = 10


def token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def start(domain_id, fingerprint, extension_id=None, account_id=None):
    """Open a session of an extension or an account; its token, for the cookie."""
    token = secrets.token_urlsafe(32)
    login = (PortalSession.extension == extension_id) if extension_id is not None \
        else (PortalSession.account == account_id)
    with database.atomic():
        sweep()
        PortalSession.create(token_hash=token_hash(token), domain=domain_id,
                             extension=extension_id, account=account_id,
                             fingerprint=fingerprint)
        newest = (PortalSession.select(PortalSession.id).where(login)
                  .order_by(PortalSession.id.desc()).limit(MAX_PER_LOGIN))
        _end(login & PortalSession.id.not_in(newest))
    return token


def current(session):
    """Whether the session row ``session`` is still within its time; an expired one is
    deleted, a current one's last request written when TOUCH has passed."""
    moment = now()
    if session.created <= moment - LIFETIME or session.last_seen <= moment - IDLE:
        _end(PortalSession.id == session.id)
        return False
    if moment - session.last_seen >= TOUCH:
        PortalSession.update(last_seen=moment).where(PortalSession.id == session.id).execute()
    return True


def end(token):
    """End the session of ``token`` (log-out); how many ended (0 or 1)."""
    return _end(PortalSession.token_hash == token_hash(token))


def end_by_id(session_id):
    return _end(PortalSession.id == session_id)


def end_for_extensions(extension_ids):
    """End every session of these extensions (ids, or a query of them)."""
    return _end(PortalSession.extension.in_(extension_ids))


def end_for_accounts(account_ids):
    return _end(PortalSession.account.in_(account_ids))


def end_for_domain(domain, extensions_only=False):
    """End every session of the domain (or only its extension users')."""
    where = PortalSession.domain == domain
    return _end(where & PortalSession.extension.is_null(False) if extensions_only else where)


def sweep():
    """Delete the sessions that have expired; how many."""
    moment = now()
    return _end((PortalSession.created <= moment - LIFETIME)
                | (PortalSession.last_seen <= moment - IDLE))


def _end(where):
    return PortalSession.delete().where(where).execute()
