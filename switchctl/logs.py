"""The process's logging, as ``switchctl serve`` and every command set it up.

One handler, on standard error, and two rules no call site can forget:

- Control characters in a message (a newline in a user name or CDR uuid that FreeSWITCH
  passed on, an escape sequence, a NUL) are written as escapes (``\\n``, ``\\x1b``): text
  from outside never starts a log line of its own. A traceback after the message is
  written as it is.
- No secret reaches the log, at any level: peewee logs every query *with its parameters*
  at DEBUG (HA1 hashes, enough to register as the phone; account password hashes;
  whatever else is stored), so its loggers stay at INFO or above, whatever the level.
"""

import logging
import unicodedata

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Control, format (bidi overrides), surrogate and line/paragraph separator characters.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Loggers whose records below INFO carry query parameters.
QUERY_LOGGERS = ("peewee",)


def escape(text):
    """``text`` with every control character written as a Python escape."""
    if text.isprintable():
        return text
    return "".join(_escape_character(character) for character in text)


def _escape_character(character):
    if unicodedata.category(character) not in _ESCAPED_CATEGORIES:
        return character
    return character.encode("unicode_escape").decode("ascii")


def one_line(text):
    """``text`` as one line: its lines joined by a space, control characters escaped."""
    return escape(" ".join(line.strip() for line in str(text).splitlines() if line.strip()))


class EscapingFormatter(logging.Formatter):
    """Writes the message part escaped (see ``escape``); tracebacks stay as they are."""

    def formatMessage(self, record):
        record.message = escape(record.message)
        return super().formatMessage(record)


def configure(level_name):
    """Log records of ``level_name`` (config.LOG_LEVELS) and above to standard error."""
    level = logging.getLevelName(level_name)
    handler = logging.StreamHandler()
    handler.setFormatter(EscapingFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for name in QUERY_LOGGERS:
        logging.getLogger(name).setLevel(max(level, logging.INFO))
