"""Deciding on one CDR, however it came (posted to /cdr, or a file FreeSWITCH kept).

``take`` stores it once per call uuid and says what became of it: done (stored, a
duplicate, a B leg skipped), refused for good (it can never be stored), or kept for a
later try (its domain is missing, the database is away, something unexpected failed).
"""

import dataclasses
import logging

from switchctl.db import database_guard
from switchctl.services import fax
from switchctl.services.call_records import DUPLICATE, SKIPPED, STORED, NoDomain, record_call
from switchctl.xml_cdr.parse import CdrError, decode_body, parse_cdr

log = logging.getLogger(__name__)
MAX_BODY = 4 * 1024 * 1024  # a long call's CDR (app_log, callflows) grows large
DONE = (STORED, DUPLICATE, SKIPPED)
REFUSED = "refused"
KEPT = "kept"  # not stored now; may be next time
UNAVAILABLE = "unavailable"  # the database is away: kept, and the next ones will be too


@dataclasses.dataclass(frozen=True)
class Decision:
    outcome: str  # one of DONE, REFUSED, KEPT, UNAVAILABLE
    uuid: str = ""  # "" when the record could not be read
    reason: str = ""

    @property
    def done(self):
        return self.outcome in DONE


def take(body, default_domain, content_type="", media_folder=None):
    """Store the CDR in ``body`` (bytes, in any of mod_xml_cdr's encodings) unless
    stored already; a fax leg's record also tells services/fax its outcome (``media_folder``:
    where a received fax lies; None: not told). Never raises: an unexpected error is KEPT
    (logged with its traceback at debug level), so the record is tried again, never lost."""
    try:
        cdr = parse_cdr(decode_body(body, content_type))
    except CdrError as exc:
        return Decision(REFUSED, reason=str(exc))
    except Exception as exc:
        return _unexpected(exc)
    try:
        with database_guard() as failed:
            result = record_call(cdr, default_domain)
            if cdr.fax is not None and media_folder is not None:
                fax.report(cdr.fax, media_folder)  # taken once, however often it comes
    except NoDomain as exc:
        return Decision(KEPT, cdr.uuid, str(exc))
    except Exception as exc:
        return _unexpected(exc, cdr.uuid)
    if failed:
        return Decision(UNAVAILABLE, cdr.uuid, f"database error ({failed.error})")
    return Decision(result, cdr.uuid)


def _unexpected(error, uuid=""):
    log.debug("cdr %s: unexpected error", uuid or "?", exc_info=error)
    return Decision(KEPT, uuid, f"unexpected error ({type(error).__name__}: {error})")
