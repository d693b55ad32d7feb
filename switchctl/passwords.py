"""Secrets: strong generated passwords, SIP digest HA1, PIN and account hashes."""

import hashlib
import hmac
import secrets
import string

from werkzeug.security import check_password_hash, generate_password_hash

# Letters and digits only: typed on phone keypads and provisioning screens.
_ALPHABET = string.ascii_letters + string.digits
MIN_PASSWORD_LENGTH = 8
# A PIN has 10^4 to 10^10 values: no iteration count keeps a stolen hash of one safe for
# long, so PINs are protected by the three-tries rule and the hash is only there to keep
# them out of plain sight. 6,000 rounds cost ~1.5 ms (60,000 held 200 mailbox logins up
# by seconds on 2 cores). Hashes with another count (older ones) still verify.
PIN_HASH_METHOD = "pbkdf2:sha256:6000"


def generate_password(length=16):
    """A random password with at least one lower, upper case letter and digit."""
    while True:
        candidate = "".join(secrets.choice(_ALPHABET) for _ in range(length))
        classes = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
        if all(any(c in group for c in candidate) for group in classes):
            return candidate


def sip_ha1(user, realm, password):
    """HA1 of HTTP digest (RFC 2617): md5("user:realm:password"), as FreeSWITCH's a1-hash."""
    text = f"{user}:{realm}:{password}".encode()
    return hashlib.md5(text, usedforsecurity=False).hexdigest()


def check_sip_password(ha1, user, realm, password):
    return hmac.compare_digest(ha1, sip_ha1(user, realm, password))


def hash_pin(pin):
    return generate_password_hash(pin, method=PIN_HASH_METHOD)


def hash_account_password(password):
    return generate_password_hash(password)


def check_hash(stored, candidate):
    return check_password_hash(stored, candidate)
