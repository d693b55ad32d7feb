"""Phone numbers as users type them, and as the switch sees them."""

import re

EXTERNAL_NUMBER = re.compile(r"^\+?[0-9]{3,20}\Z")


def digits_key(number):
    """The number reduced to its digits (a leading + dropped): how numbers are compared."""
    return "".join(c for c in number if c.isdigit())


def split_outbound(number, prefixes):
    """``(prefix, external)`` if ``number`` is an outbound prefix + an external number."""
    for prefix in prefixes:
        external = number[len(prefix):]
        if number.startswith(prefix) and EXTERNAL_NUMBER.match(external):
            return prefix, external
    return None
