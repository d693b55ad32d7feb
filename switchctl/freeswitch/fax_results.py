"""What the switch says of a fax call, read from its events or from the call's CDR
(tests/data/freeswitch/fax): both carry the same channel variables.

- ``CUSTOM spandsp::txfaxresult`` / ``spandsp::rxfaxresult``: txfax or rxfax ended; the
  ``fax-*`` headers hold the result (success, code and text, pages transferred and in the
  document, the other side's station id), the ``variable_*`` headers every channel variable
  (ours: variables.FAX_JOB on a leg we sent, variables.FAX_NUMBER on one we answered).
- ``CHANNEL_HANGUP_COMPLETE`` of a sending leg: its end. A try whose result never came
  (busy, no answer: the call ended before txfax ran) is decided by its hang-up cause.
- ``BACKGROUND_JOB`` of our ``bgapi originate``: its body ``-ERR <cause>`` when the call
  failed (a busy line, or one never placed: an unknown gateway has no channel, so no
  hang-up to tell it), NOT_PLACED: decided as its hang-up would be, whichever comes
  first, and tried again for a cause the hang-up alone would leave open.

greenswitch hands the listener each event's headers decoded; xml_cdr/parse hands its
variables decoded (``fax_success`` where an event says ``variable_fax_success``). Only our
own legs count: the CDR, posted again and again until stored, is the outcome's durable copy.
"""

import dataclasses
import re

from switchctl.freeswitch import variables

SENT, RECEIVED, ENDED = "sent", "received", "ended"
NOT_PLACED = "not placed"  # the originate failed: no fax machine was reached at all
SUBCLASSES = {"spandsp::txfaxresult": SENT, "spandsp::rxfaxresult": RECEIVED}
TEXT_LIMIT = 255
# In a BACKGROUND_JOB's Job-Command-Arg: the originate's channel variables (decoded).
ORIGINATED = re.compile(r"origination_uuid=([0-9a-fA-F-]{36}),"
                        rf"{variables.FAX_JOB}=([0-9]{{1,9}})[,}}]")


@dataclasses.dataclass(frozen=True)
class FaxReport:
    kind: str  # SENT, RECEIVED (a fax result), ENDED (a sending leg hung up), NOT_PLACED
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
    if name == "BACKGROUND_JOB":
        return _originate_failed(headers)
    if name == "CUSTOM":
        kind = SUBCLASSES.get(headers.get("Event-Subclass", ""))
    elif name == "CHANNEL_HANGUP_COMPLETE":
        kind = ENDED
    else:
        return None
    if kind is None:
        return None
    return _report(kind, headers.get("Unique-ID", ""), headers.get("Hangup-Cause", ""),
                   headers.get("Caller-Caller-ID-Number", ""),
                   lambda variable: headers.get(f"variable_{variable}", ""))


def _originate_failed(headers):
    """NOT_PLACED with the cause of a fax originate the switch answered ``-ERR <cause>``;
    None for any other job (or one that succeeded: the call's own events tell the rest)."""
    found = ORIGINATED.match(headers.get("Job-Command-Arg", "").lstrip("{"))
    if headers.get("Job-Command") != "originate" or found is None:
        return None
    # greenswitch leaves a plain event's body after its Content-Length header's value.
    body = headers.get("Content-Length", "").partition("\n")[2].strip()
    cause = body[len("-ERR "):].split()[:1] if body.startswith("-ERR ") else []
    if not cause or not cause[0].replace("_", "").isalnum():
        return None
    return FaxReport(kind=NOT_PLACED, uuid=found.group(1), job_id=int(found.group(2)),
                     fax_number="", domain="", hangup_cause=cause[0][:64])


def cdr_fax_report(uuid, variable, caller_number=""):
    """The FaxReport of a CDR (``variable(name)``: its decoded variable, "" if absent): a
    leg that sent a fax (SENT once txfax reported, else ENDED), or that received one; None
    for every other call."""
    if variable(variables.FAX_JOB):
        kind = SENT if variable("fax_result_code") else ENDED
    elif variable(variables.FAX_NUMBER) and variable("fax_result_code"):
        kind = RECEIVED
    else:
        return None
    return _report(kind, uuid, variable("hangup_cause"), caller_number, variable)


def _report(kind, uuid, hangup_cause, caller_number, variable):
    job_id = _number(variable(variables.FAX_JOB))
    fax_number = variable(variables.FAX_NUMBER)
    # A sent leg (or its end) names its job; a received one, its job or its number.
    if not uuid or (job_id is None and (kind != RECEIVED or not fax_number)):
        return None
    common = dict(kind=kind, uuid=uuid, job_id=job_id, fax_number=fax_number[:32],
                  domain=variable("domain_name").lower(), hangup_cause=hangup_cause)
    if kind == ENDED:
        return FaxReport(**common)
    return FaxReport(
        **common, success=variable("fax_success") == "1",
        code=_number(variable("fax_result_code")),
        text=_line(variable("fax_result_text"))[:TEXT_LIMIT],
        pages_transferred=_number(variable("fax_document_transferred_pages")) or 0,
        pages_total=_number(variable("fax_document_total_pages")) or 0,
        remote_station=_line(variable("fax_remote_station_id"))[:64],
        remote_number=_line(caller_number)[:64], file=variable("fax_filename"))


def _line(text):
    """``text`` as one line of printable characters: the station id is what the other fax
    machine sends, the caller's number what the trunk says (both reach logs and emails)."""
    return " ".join("".join(c if c.isprintable() else " " for c in text or "").split())


def _number(text):
    text = (text or "").strip()
    return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None
