"""What the switch says of a fax call, read from its events (tests/data/freeswitch/fax).

- ``CUSTOM spandsp::txfaxresult`` / ``spandsp::rxfaxresult``: txfax or rxfax ended; the
  ``fax-*`` headers hold the result (success, code and text, pages transferred and in the
  document, the other side's station id), the ``variable_*`` headers every channel variable
  (ours: variables.FAX_JOB on a leg we sent, variables.FAX_NUMBER on one we answered).
- ``CHANNEL_HANGUP_COMPLETE`` of a sending leg: its end. A try whose result never came
  (busy, no answer: the call ended before txfax ran) is decided by its hang-up cause.

greenswitch hands the listener each event's headers decoded; only our own legs count.
"""

import dataclasses

from switchctl.freeswitch import variables

SENT, RECEIVED, ENDED = "sent", "received", "ended"
SUBCLASSES = {"spandsp::txfaxresult": SENT, "spandsp::rxfaxresult": RECEIVED}
SUBSCRIPTION = " ".join(SUBCLASSES)  # after CUSTOM in the listener's subscription
TEXT_LIMIT = 255


@dataclasses.dataclass(frozen=True)
class FaxReport:
    kind: str  # SENT, RECEIVED (a fax result) or ENDED (a sending leg hung up)
    uuid: str  # the channel's
    job_id: int | None  # a sent fax's FaxJob
    fax_number: str  # a received fax's number
    domain: str
    success: bool = False
    code: int | None = None
    text: str = ""
    pages_transferred: int = 0
    pages_total: int = 0
    remote_station: str = ""
    remote_number: str = ""  # the caller, on a received fax
    file: str = ""  # the TIFF as the switch sees it
    hangup_cause: str = ""


def fax_report(headers):
    """The FaxReport in ``headers`` (one event's, decoded), or None when the event is not
    about one of our fax calls (or is malformed)."""
    name = headers.get("Event-Name")
    if name == "CUSTOM":
        kind = SUBCLASSES.get(headers.get("Event-Subclass", ""))
    elif name == "CHANNEL_HANGUP_COMPLETE":
        kind = ENDED
    else:
        return None
    job_id = _number(headers.get(f"variable_{variables.FAX_JOB}"))
    fax_number = headers.get(f"variable_{variables.FAX_NUMBER}", "")
    if kind is None or (job_id is None and not fax_number) or (kind == ENDED and job_id is None):
        return None
    uuid = headers.get("Unique-ID", "")
    if not uuid:
        return None
    common = dict(kind=kind, uuid=uuid, job_id=job_id, fax_number=fax_number[:32],
                  domain=headers.get("variable_domain_name", "").lower())
    if kind == ENDED:
        return FaxReport(**common, hangup_cause=headers.get("Hangup-Cause", ""))
    return FaxReport(
        **common, success=headers.get("fax-success") == "1",
        code=_number(headers.get("fax-result-code")),
        text=headers.get("fax-result-text", "")[:TEXT_LIMIT],
        pages_transferred=_number(headers.get("fax-document-transferred-pages")) or 0,
        pages_total=_number(headers.get("fax-document-total-pages")) or 0,
        remote_station=headers.get("fax-remote-station-id", "")[:64],
        remote_number=headers.get("Caller-Caller-ID-Number", "")[:64],
        file=headers.get("variable_fax_filename", ""))


def _number(text):
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
