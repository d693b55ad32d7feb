"""What a login sets for itself (the portal's settings page): an extension's voicemail
options and desk-phone (SIP) password, an account's password.

DND is services.forwarding.set_dnd (the phone's ``*78``/``*79`` too), the voicemail PIN
services.voicemail_settings.change_pin (the mailbox menu too), the portal language
services.logins.set_language, the second factor services.totp.

A password changed here ends every portal session of its login (in the same transaction):
the portal then opens a fresh one for the browser that changed it.
"""

from switchctl.models import Extension, PortalAccount
from switchctl.passwords import check_hash, check_sip_password
from switchctl.pool import run_hashing
from switchctl.services import Refusal, ValidationError
from switchctl.services.accounts import store_account_password
from switchctl.services.extensions import (EMAIL_PATTERN, check_password, extension_by_id,
                                           set_password)

MAX_EMAIL = 254
# Why a change was refused (Refused.reason); the portal words each in the reader's language.
BAD_EMAIL = "bad_email"
WRONG_PASSWORD = "wrong_password"
PASSWORDS_DIFFER = "passwords_differ"
WEAK_PASSWORD = "weak_password"
SAME_PASSWORD = "same_password"


class Refused(Refusal):
    """A setting that cannot be taken; ``reason`` says why, ``str()`` in English."""


def extension_settings(extension_id):
    """The extension whose settings the page shows (its own login's)."""
    return extension_by_id(extension_id)


def account_settings(account_id):
    return PortalAccount.get_by_id(account_id)


def set_voicemail(extension_id, enabled, email):
    """Voicemail on or off, and the address its messages are emailed to ("" = none)."""
    email = (email or "").strip()
    if email and (len(email) > MAX_EMAIL or not EMAIL_PATTERN.match(email)):
        raise Refused(BAD_EMAIL, f"{email!r} is not an email address")
    Extension.update(voicemail_enabled=bool(enabled), email=email).where(
        Extension.id == extension_id).execute()


def _check_new(current, new, again):
    if new != again:
        raise Refused(PASSWORDS_DIFFER, "the two new passwords differ")
    try:
        check_password(new)
    except ValidationError as weak:
        raise Refused(WEAK_PASSWORD, str(weak)) from None
    if new == current:
        raise Refused(SAME_PASSWORD, "the new password is the current one")


def change_sip_password(extension_id, current, new, again):
    """The extension's SIP password (its desk phone's and its portal login's), once the
    current one is given; its SIP HA1 (the new sessions' fingerprint). Every portal session
    of the extension ends."""
    extension = extension_by_id(extension_id)
    if not check_sip_password(extension.sip_ha1, extension.number, extension.domain.name,
                              current or ""):
        raise Refused(WRONG_PASSWORD, "the current password is wrong")
    _check_new(current, new, again)
    set_password(extension, new)
    return extension.sip_ha1


def change_account_password(account_id, current, new, again):
    """An admin's or operator's own password, once the current one is given; the new hash
    (the new sessions' fingerprint). Every portal session of the account ends. Hashing
    runs off the event loop."""
    account = PortalAccount.get_by_id(account_id)
    if not run_hashing(check_hash, account.password_hash, current or ""):
        raise Refused(WRONG_PASSWORD, "the current password is wrong")
    _check_new(current, new, again)
    return store_account_password(account, new)


def check_account_password(account_id, password):
    """Whether ``password`` is the account's (off the event loop)."""
    stored = PortalAccount.select(PortalAccount.password_hash).where(
        PortalAccount.id == account_id).scalar()
    return bool(stored) and run_hashing(check_hash, stored, password or "")
