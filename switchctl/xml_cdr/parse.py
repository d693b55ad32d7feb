"""A posted CDR, decoded from any of mod_xml_cdr's ``encode`` modes, into plain fields.

mod_xml_cdr posts (see tests/data/freeswitch/xml_cdr and its README; the
Content-Types are those FreeSWITCH means to send, see decode_body):
- ``encode=true``: ``cdr=`` + %-encoded XML, application/x-www-form-urlencoded;
- ``encode=false``: ``cdr=`` + raw XML, application/x-www-form-plaintext (not a form);
- ``encode=base64``: ``cdr=`` + base64 with bare ``+`` and ``/``;
- ``encode=textxml``: the raw XML, text/xml.
Inside the XML every variable's text is %-encoded again.

A click-to-dial leg (see _click_to_dial) is read as the call its user made.
"""

import base64
import dataclasses
import datetime
import re
from urllib.parse import unquote

from lxml import etree

from switchctl.freeswitch.encoding import percent_decode
from switchctl.freeswitch.fax_results import FaxReport, cdr_fax_report
from switchctl.freeswitch.variables import CLICK_TO_DIAL

# No network, no entity expansion: the body comes from the switch, but is still input.
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
# FreeSWITCH names an element after every variable, and a SIP header such as "X-a!b"
# becomes the variable sip_h_X-a!b: not an XML name. Such names are mended when a
# document does not parse (values are %-encoded, so no "<" occurs outside tags).
TAG = re.compile(r"<(/?)([A-Za-z_][^\s/>]*)")
NOT_NAME = re.compile(r"[^A-Za-z0-9_.:-]")
# FreeSWITCH's uuids, an origination_uuid set by hand included, are plain tokens.
UUID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}")
NUMBER = re.compile(r"-?[0-9]+")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Times a record may carry (2000-01-01 to 2100-01-01 UTC), and the longest duration (the
# columns are 32-bit integers). Anything outside is refused, not stored or cut.
EARLIEST, LATEST = 946684800, 4102444800
MAX_SECONDS = 2**31 - 1
# Each text field is cut to its column's width (or, for the fields only looked up, a width
# no real value reaches); control characters are dropped (PostgreSQL refuses a NUL).
WIDTHS = {"caller_number": 64, "caller_name": 80, "destination": 64, "context": 64,
          "user_name": 64, "domain_name": 255, "hangup_cause": 64,
          "originate_disposition": 64}
# The source FreeSWITCH writes in the caller profile of a leg it originated itself (an inbound
# SIP call's says mod_sofia, a browser's mod_verto).
ORIGINATED = "src/switch_ivr_originate.c"


class CdrError(ValueError):
    """A post that is not a CDR we can read."""


@dataclasses.dataclass(frozen=True)
class Cdr:
    """One CDR's fields, each within bounds: text fields are cut to WIDTHS and free of
    control characters (see __post_init__), numbers checked when parsed."""

    uuid: str
    b_leg: bool
    caller_number: str
    caller_name: str
    destination: str
    context: str
    user_name: str
    authorized: bool
    domain_name: str
    start: datetime.datetime
    answer: datetime.datetime | None
    end: datetime.datetime
    duration: int
    billsec: int
    hangup_cause: str
    originate_disposition: str
    fax: FaxReport | None = None  # a leg that sent or received a fax: what the switch said

    def __post_init__(self):
        for name, width in WIDTHS.items():
            object.__setattr__(self, name, CONTROL.sub("", getattr(self, name))[:width])


def decode_body(body, content_type=""):
    """The CDR's XML text from a raw POST body, whichever ``encode`` mode made it.

    The body is recognised by its content, not by its Content-Type: with
    ``disable-100-continue`` set, mod_xml_cdr (1.10.12, process_cdr) replaces its
    header list by the one holding ``Expect:``, so curl labels every post
    application/x-www-form-urlencoded, raw XML and base64 included. ``content_type``
    only goes into error messages."""
    text = body.decode("utf-8", errors="replace").lstrip()
    if text.startswith("<"):
        return text
    if not text.startswith("cdr="):
        raise CdrError(f"neither XML nor cdr=... ({content_type or 'no content type'})")
    value = text[len("cdr="):]
    if value.lstrip().startswith("<"):
        return value
    if value.startswith("%"):
        return unquote(value, errors="replace")
    try:
        return base64.b64decode(value.strip(), validate=True).decode("utf-8", "replace")
    except ValueError:  # binascii.Error is one
        raise CdrError(f"cdr= holds neither XML, %-encoded XML nor base64 "
                       f"({content_type or 'no content type'})") from None


def parse_cdr(xml_text):
    """The fields switchctl keeps from one CDR document."""
    try:
        root = etree.fromstring(xml_text.encode(), PARSER)
    except etree.XMLSyntaxError:
        try:
            root = etree.fromstring(_mend_names(xml_text).encode(), PARSER)
        except etree.XMLSyntaxError as exc:
            raise CdrError(f"not XML: {exc}") from None
    if root.tag != "cdr" or root.find("variables") is None:
        raise CdrError("not a FreeSWITCH CDR (no <cdr><variables>)")
    variables = _Variables({child.tag: child.text or "" for child in root.find("variables")})
    profile = _first_profile(root)
    fields = dict(
        uuid=_uuid(variables.get("uuid", "")),
        b_leg=bool(variables.get("originating_leg_uuid")),
        caller_number=profile.get("caller_id_number", ""),
        caller_name=profile.get("caller_id_name", ""),
        destination=profile.get("destination_number", ""),
        context=profile.get("context", ""),
        user_name=variables.get("user_name", ""),
        authorized=variables.get("sip_authorized") == "true",
        domain_name=variables.get("domain_name", "").lower(),
        start=_time(variables, "start_epoch"),
        answer=_time(variables, "answer_epoch", optional=True),
        end=_time(variables, "end_epoch"),
        duration=_int(variables, "duration"),
        billsec=_int(variables, "billsec"),
        hangup_cause=variables.get("hangup_cause", ""),
        originate_disposition=variables.get("originate_disposition", ""),
    )
    fields.update(_click_to_dial(variables, profile, root))
    fields["fax"] = cdr_fax_report(fields["uuid"], variables.get, fields["caller_number"])
    return Cdr(**fields)


def _click_to_dial(variables, first, root):
    """The fields that differ when the CDR is of a click-to-dial leg, else {}.

    Click-to-dial (freeswitch.commands.click_to_dial_originate) originates
    ``user/<ext>@<domain>`` with CLICK_TO_DIAL set; once the phone answers, the leg runs
    the dialplan for the number. Its first caller profile is the originate's (caller ID the
    number, destination the user), so the call reads as inbound from the number; it is the
    user's own call to the number (tests/data/freeswitch/click_to_dial). Read as such:
    - the caller: the user the switch rang, from ``presence_id`` (``<ext>@<domain>``, set by
      our directory's dial-string when the leg was made; ``dialed_user`` is not it, a
      bridge on the leg overwrites it with the user bridged to), which must be the
      originate profile's destination;
    - the number and context: the dialplan's caller profile (profile_index 2: the leg's
      first transfer into the dialplan, made when the user answered); without one (the
      user's phone did not answer) the number the originate showed as caller ID;
    - answered: when the dialled side was (the bridge), or, when the dialplan bridged
      nothing, when the dialplan took the call (a feature code, a menu); not when only
      the user's own phone answered (a bridge that failed: busy, no answer); the user
      hanging up while the number rang is the cause a dialled call's caller cancelling
      leaves (ORIGINATOR_CANCEL, where this leg says NORMAL_CLEARING).
    The variable alone is not believed: only on a leg the switch originated itself
    (``direction`` outbound, an originate's caller profile, not a B leg), which no SIP
    party or browser can make; the user must then be an extension of the domain
    (services.call_records looks it up), else the record names no extension."""
    if variables.get(CLICK_TO_DIAL) != "true":
        return {}
    user, _, domain = variables.get("presence_id").partition("@")
    domain = domain.lower()
    if (variables.get("direction") != "outbound" or variables.get("originating_leg_uuid")
            or first.get("source") != ORIGINATED or not user
            or user != first.get("destination_number")
            or not domain or domain != variables.get("dialed_domain").lower()):
        return {}
    dialled = _profile(root, "2")
    if _int(variables, "bridge_epoch", highest=LATEST):
        answered = "bridge_epoch"
    elif dialled is not None and not variables.get("originate_disposition"):
        answered = "answer_epoch"
    else:
        answered = None
    answer = _time(variables, answered, optional=True) if answered else None
    billsec = 0
    if answer is not None:
        billsec = max(0, _int(variables, "end_epoch", highest=LATEST)
                      - _int(variables, answered, highest=LATEST))
    cause = variables.get("hangup_cause")
    if answer is None and variables.get("originate_disposition") == "ORIGINATOR_CANCEL":
        cause = "ORIGINATOR_CANCEL"
    return {
        "caller_number": user,
        "caller_name": variables.get("effective_caller_id_name"),
        "destination": (dialled.get("destination_number", "") if dialled is not None
                        else variables.get("origination_caller_id_number")),
        "context": (dialled if dialled is not None else first).get("context", ""),
        "user_name": user,
        "domain_name": domain,
        "answer": answer,
        "billsec": billsec,
        "hangup_cause": cause,
    }


def _uuid(text):
    if not text:
        raise CdrError("CDR without a uuid")
    if not UUID.fullmatch(text):
        raise CdrError(f"uuid {_shown(text, 64)} is not a plain token of at most 64 "
                       f"letters, digits and - . _ : @")
    return text


class _Variables(dict):
    """A CDR's variables, each %-decoded when read (a CDR has hundreds, we read a dozen)."""

    def get(self, name, default=""):
        value = super().get(name)
        return default if value is None else percent_decode(value)


def _mend_names(text):
    return TAG.sub(lambda m: f"<{m.group(1)}{NOT_NAME.sub('_', m.group(2))}", text)


def _first_profile(root):
    """The caller profile of the call as dialled (profile_index 1, before any transfer).
    Unlike variables, FreeSWITCH writes these fields as they are (switch_ivr.c)."""
    flows = root.findall("callflow")
    first = next((f for f in flows if f.get("profile_index") == "1"), flows[-1] if flows else None)
    profile = first.find("caller_profile") if first is not None else None
    if profile is None:
        raise CdrError("CDR without a caller profile")
    return {child.tag: child.text or "" for child in profile if len(child) == 0}


def _profile(root, index):
    """The fields of the caller profile with ``profile_index`` ``index``, or None."""
    flow = next((f for f in root.findall("callflow") if f.get("profile_index") == index), None)
    profile = flow.find("caller_profile") if flow is not None else None
    if profile is None:
        return None
    return {child.tag: child.text or "" for child in profile if len(child) == 0}


def _int(variables, name, highest=MAX_SECONDS):
    text = variables.get(name) or "0"
    if not NUMBER.fullmatch(text):
        raise CdrError(f"{name} is not a number")
    if len(text) > 19 or int(text) > highest:
        raise CdrError(f"{name} {_shown(text)} is out of range")
    return max(0, int(text))


def _time(variables, name, optional=False):
    seconds = _int(variables, name, highest=LATEST)
    if seconds == 0:
        if optional:
            return None
        raise CdrError(f"CDR without {name}")
    if seconds < EARLIEST:
        raise CdrError(f"{name} {seconds} is out of range")
    return datetime.datetime.fromtimestamp(seconds)


def _shown(text, width=24):
    """``text`` fit for an error message: quoted, escaped, cut."""
    return repr(text[:width]) + ("..." if len(text) > width else "")
