"""The browser dialer's Verto credentials (models.dialer).

The portal ``issue``s one to a logged-in extension user's page just before its Verto
client logs in; FreeSWITCH's mod_verto asks the xml_curl directory about that login
(``action=jsonrpc-authenticate``, the token as ``user_supplied_pass``), which ``redeem``s
it: good once, for that extension only, within LIFETIME, and while the portal session
that asked for it lives (ending the session deletes its credentials). The SIP password
never logs in over Verto, and a credential never passes SIP digest auth (the directory
gives sofia only the SIP HA1).
"""

import datetime
import secrets

from switchctl.models import DialerCredential, Domain, Extension, PortalSession, database
from switchctl.models.base import now
from switchctl.services import sessions

LIFETIME = datetime.timedelta(seconds=60)  # from the page's request to the switch's login


# The sessions' own: a credential is a random token kept only as its SHA-256, like them.
token_hash = sessions.token_hash


def issue(session_token, extension_id):
    """A credential for the extension of the portal session ``session_token`` (the
    cookie's token): ``(token, expires)``, or None when that session has ended. Expired
    credentials are swept first."""
    token = secrets.token_urlsafe(32)
    expires = now() + LIFETIME
    with database.atomic():
        session = PortalSession.get_or_none(
            PortalSession.token_hash == sessions.token_hash(session_token))
        if session is None:
            return None
        sweep()
        DialerCredential.create(token_hash=token_hash(token), session=session,
                                extension=extension_id, expires=expires)
    return token, expires


def redeem(domain_name, number, token):
    """Whether ``token`` is a current credential of extension ``number``@``domain_name``
    whose session lives. A credential that is, is spent (good once)."""
    if not token:
        return False
    moment = now()
    found = (DialerCredential.select(DialerCredential.id)
             .join(PortalSession).switch(DialerCredential).join(Extension).join(Domain)
             .where(DialerCredential.token_hash == token_hash(token),
                    DialerCredential.expires > moment,
                    Extension.number == number, Domain.name == domain_name,
                    Extension.enabled == True,  # noqa: E712 (peewee's SQL)
                    PortalSession.created > moment - sessions.LIFETIME,
                    PortalSession.last_seen > moment - sessions.IDLE)
             .first())
    if found is None:
        return False
    # Two logins racing with one token: only one delete finds the row.
    return DialerCredential.delete().where(DialerCredential.id == found.id).execute() == 1


def sweep():
    """Delete expired credentials; how many."""
    return DialerCredential.delete().where(DialerCredential.expires <= now()).execute()
