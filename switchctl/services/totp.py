"""The optional TOTP second factor of admin and operator accounts (RFC 6238, through pyotp).

An account with a secret (``PortalAccount.totp_secret``, base32) logs in with its password
and then a 6-digit code of its authenticator app. A code is good for its 30-second step
and one step either side (clock drift), and only once: the step of the last code accepted
is kept (``totp_last_step``) and a code of that step or an earlier one is refused. The
"only once" is one conditional UPDATE, so two processes on one database cannot both accept
one code.

Enrolling: ``new_secret`` makes a secret, the person adds it to the app (as text or as the
``otpauth://`` URI), and ``enable`` stores it once a code made from it is right. The portal
keeps only a random ``new_nonce`` in its (signed, not encrypted) session cookie while the
person enrols, and derives the secret from it on the server (``enrolment_secret``): the
cookie never holds the secret.
"""

import base64
import hashlib
import hmac
import secrets
import time

import pyotp

from switchctl.models import PortalAccount, database
from switchctl.services import ValidationError, sessions

ISSUER = "switchctl"
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after the current one is accepted too


class CodeRefused(ValidationError):
    """A code that is not right for the secret (the portal says so in the reader's words)."""

    def __init__(self):
        super().__init__("that code is not right: check the authenticator app and the "
                         "device's clock")


def new_secret():
    """A fresh random base32 secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(32)


def new_nonce():
    """A fresh random nonce naming one enrolment (what the portal's session keeps)."""
    return secrets.token_urlsafe(16)


def enrolment_secret(key, account_id, nonce):
    """The secret an account is enrolling, derived from the server's ``key`` (the portal's
    SECRET_KEY) and the enrolment's ``nonce``: base32 of HMAC-SHA256(key, "totp-enrol:" +
    account id + ":" + nonce), its first 32 characters (160 bits). Another account, another
    nonce or another key gives another secret."""
    key = key.encode() if isinstance(key, str) else bytes(key)
    message = f"totp-enrol:{account_id}:{nonce}".encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode("ascii")[:32]


def provisioning_uri(secret, account_name, domain_name):
    """The ``otpauth://totp/...`` URI an authenticator app reads (as a QR code or pasted)."""
    return pyotp.TOTP(secret).provisioning_uri(name=f"{account_name}@{domain_name}",
                                               issuer_name=ISSUER)


def matching_step(secret, code, at=None):
    """The time step ``code`` is right for (now ± DRIFT_STEPS), or None."""
    code = (code or "").strip().replace(" ", "")
    if len(code) != DIGITS or not (code.isascii() and code.isdigit()) or not secret:
        return None
    totp, moment = pyotp.TOTP(secret), time.time() if at is None else at
    current = totp.timecode(moment)
    for step in (current, current - DRIFT_STEPS, current + DRIFT_STEPS):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def has_secret(account_id):
    """Whether the account logs in with a second factor."""
    return bool(PortalAccount.select(PortalAccount.totp_secret)
                .where(PortalAccount.id == account_id).scalar())


def accept_code(account_id, code, at=None):
    """Whether ``code`` is a right code of the account's secret not used before; when it is,
    its step is kept, so the same code (or an older one) is refused from then on."""
    secret = (PortalAccount.select(PortalAccount.totp_secret)
              .where(PortalAccount.id == account_id).scalar())
    step = matching_step(secret, code, at)
    if step is None:
        return False
    taken = (PortalAccount.update(totp_last_step=step)
             .where(PortalAccount.id == account_id, PortalAccount.totp_secret == secret,
                    PortalAccount.totp_last_step < step).execute())
    return taken == 1


def enable(account_id, secret, code, at=None):
    """Turn the second factor on with ``secret``, once ``code`` (made from it) is right
    (CodeRefused, nothing changed, otherwise). The code's step counts as used. The
    account's portal sessions, opened without it, end."""
    step = matching_step(secret, code, at)
    if step is None:
        raise CodeRefused()
    with database.atomic():
        PortalAccount.update(totp_secret=secret, totp_last_step=step).where(
            PortalAccount.id == account_id).execute()
        sessions.end_for_accounts([account_id])


def disable(account_id):
    """Turn the second factor off (the portal asks for a code or the password first;
    ``switchctl portal totp-reset`` for an administrator who lost the app). Whether the
    account had one."""
    return PortalAccount.update(totp_secret="", totp_last_step=0).where(
        PortalAccount.id == account_id, PortalAccount.totp_secret != "").execute() == 1


def reset(domain, username):
    """``switchctl portal totp-reset ACCOUNT``: the account logs in with its password
    alone again. ValidationError when there is no such account; whether it had one."""
    account = PortalAccount.get_or_none(PortalAccount.domain == domain,
                                        PortalAccount.username == username)
    if account is None:
        raise ValidationError(f"no such account: {username}")
    return disable(account.id)
