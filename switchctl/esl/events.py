"""Event-socket events as typed values: what the listener acts on, nothing more.

Plain events arrive as ``Name: %-encoded value`` headers (greenswitch decodes
them); CUSTOM events are told apart by ``Event-Subclass``. Anything else, or an
event missing what we need, becomes None and is ignored.
"""

import dataclasses
import json
import re

IN_USE_STATES = frozenset({"RINGING", "EARLY", "ACTIVE", "HELD", "RING_WAIT", "UNHELD",
                           "DIALING"})


@dataclasses.dataclass(frozen=True)
class Registered:
    user: str  # "101@pbx.local"
    contact: str


@dataclasses.dataclass(frozen=True)
class Unregistered:
    user: str
    contact: str


@dataclasses.dataclass(frozen=True)
class CallState:
    uuid: str
    user: str  # whose presence the channel carries; "" for none
    state: str  # FreeSWITCH's Channel-Call-State
    direction: str = ""  # "outbound": a leg the switch placed towards a phone
    caller_number: str = ""
    # The dialplan context the call came in through (a placed leg carries its caller's):
    # "default" only for our own authenticated users.
    context: str = ""

    @property
    def rings_a_phone(self):
        """A leg ringing at ``user``'s phone: an incoming call for that user."""
        return self.state == "RINGING" and self.direction == "outbound" and bool(self.user)


@dataclasses.dataclass(frozen=True)
class ChannelGone:
    uuid: str


@dataclasses.dataclass(frozen=True)
class MessageQuery:
    """A phone asks for its voicemail light (sofia, on REGISTER or SUBSCRIBE)."""

    account: str  # "101@pbx.local"
    profile: str
    call_id: str


SIP_URI = re.compile(r"sips?:[^>;\s\"]+")


def contact_key(text):
    """``sip:101@10.0.0.5:5060`` out of a Contact header or a registration url, so that
    the same phone compares equal in events and in ``show registrations``."""
    found = SIP_URI.search(text or "")
    return found.group(0) if found else (text or "")


def _user(name, domain):
    return f"{name}@{domain.lower()}" if name and domain else ""


def from_headers(headers):
    """The typed value of one event (a dict of decoded headers), or None."""
    name = headers.get("Event-Name", "")
    if name == "CUSTOM":
        return _custom(headers.get("Event-Subclass", ""), headers)
    if name == "CHANNEL_CALLSTATE":
        uuid = headers.get("Unique-ID", "")
        state = headers.get("Channel-Call-State", "")
        if not uuid or not state:
            return None
        return CallState(uuid, _presence(headers), state, headers.get("Call-Direction", ""),
                         headers.get("Caller-Caller-ID-Number", ""),
                         headers.get("Caller-Context", ""))
    if name == "MESSAGE_QUERY":
        return _message_query(headers)
    if name in ("CHANNEL_HANGUP_COMPLETE", "CHANNEL_DESTROY"):
        uuid = headers.get("Unique-ID", "")
        return ChannelGone(uuid) if uuid else None
    return None


VERTO = "verto:"  # a browser's login as a contact: verto:<its address>, beside SIP ones
VERTO_EVENTS = ("verto::login", "verto::client_disconnect")


def _custom(subclass, headers):
    if subclass in VERTO_EVENTS:
        return _verto(subclass, headers)
    user = _user(headers.get("username") or headers.get("from-user", ""),
                 headers.get("realm") or headers.get("from-host", ""))
    if not user:
        return None
    if subclass == "sofia::register":
        return Registered(user, contact_key(headers.get("contact", "")))
    if subclass in ("sofia::unregister", "sofia::expire"):
        return Unregistered(user, contact_key(headers.get("contact", "")))
    return None


def _verto(subclass, headers):
    """A browser's Verto login (a successful one) or its socket closing, as the
    registration or unregistration of a contact of that user: the web phone counts as a
    phone of the extension (idle while logged in)."""
    number, _, domain = headers.get("verto_login", "").partition("@")
    user, address = _user(number, domain), headers.get("verto_client_address", "")
    if not user or not address:
        return None
    if subclass == "verto::client_disconnect":
        return Unregistered(user, VERTO + address)
    return Registered(user, VERTO + address) if headers.get("verto_success") == "1" else None


def _message_query(headers):
    account = headers.get("Message-Account", "")
    account = account[4:] if account.startswith("sip:") else account
    number, _, domain = account.partition("@")
    if not number or not domain:
        return None
    return MessageQuery(_user(number, domain), headers.get("VM-Sofia-Profile", ""),
                        headers.get("VM-Call-ID", ""))


def _presence(headers):
    presence = headers.get("Channel-Presence-ID", "")
    return presence.lower() if "@" in presence else ""


def registrations_from_json(body):
    """``{user: {contact, ...}}`` from the body of ``api show registrations as json``."""
    users = {}
    for row in _rows(body):
        user = _user(row.get("reg_user", ""), row.get("realm", ""))
        if user:
            users.setdefault(user, set()).add(contact_key(row.get("url", "")))
    return users


VERTO_CLIENT = re.compile(
    r"<client>\s*<profile>[^<]*</profile>\s*<name>([^<@]+)@([^<]+)</name>\s*"
    r"<type>client</type>\s*<data>([^<]+)</data>\s*<state>CONN_REG\b")


def verto_logins_from_xml(body):
    """``{user: {contact, ...}}`` of the logged-in browsers in the body of ``api verto
    xmlstatus`` (mod_verto's cmd_xml_status: a <client> per socket, CONN_REG once logged
    in); nothing from an error or another text."""
    users = {}
    for number, domain, address in VERTO_CLIENT.findall(body or ""):
        users.setdefault(_user(number, domain), set()).add(VERTO + address)
    return users


def channels_from_json(body):
    """``[CallState]`` from the body of ``api show channels as json``."""
    return [CallState(row.get("uuid", ""), (row.get("presence_id") or "").lower(),
                      row.get("callstate", ""))
            for row in _rows(body) if row.get("uuid")]


def _rows(body):
    """The rows of a ``show ... as json`` answer; no rows is an empty answer too."""
    text = (body or "").strip()
    if not text.startswith("{"):
        return []
    try:
        return json.loads(text).get("rows") or []
    except (ValueError, AttributeError):
        return []
