"""FreeSWITCH's %-encoding (switch_url_encode): %XX escapes, and never ``+`` for a space."""

from urllib.parse import unquote


def percent_decode(text):
    """Decode %XX escapes; text without any is returned as it is (the common case)."""
    return unquote(text, errors="replace") if "%" in text else text
