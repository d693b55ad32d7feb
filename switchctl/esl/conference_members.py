"""Who is in a conference room now (manual §2.8): mod_conference's own list.

``conference <name> json_list`` (conference_api.c, conference_jlist in mod_conference.c)
answers a JSON array with the room, whose ``members`` are objects of ``type`` "caller"
(or "recording_node") with ``id``, ``uuid``, ``caller_id_name``, ``caller_id_number``,
``join_time`` (seconds in the room) and ``flags`` (``can_speak`` false = muted,
``talking``, ``is_moderator``, ...). A room nobody is in is no room:
``-ERR Conference <name> not found``, read here as no members.

The portal asks through the listener's connection (``listener.api``); the command line,
a process of its own, through a short connection of its own (``members``), as
esl/click_to_dial.py does.
"""

import dataclasses
import json
import logging

from switchctl.esl.connection import Connection, ConnectionLost

log = logging.getLogger(__name__)
CONNECT_TIMEOUT = 3.0


class SwitchUnavailable(Exception):
    """The switch could not be asked."""


@dataclasses.dataclass(frozen=True)
class Member:
    id: int
    uuid: str
    name: str  # the caller ID name the switch has for the member's leg
    number: str  # its caller ID number
    muted: bool
    talking: bool
    moderator: bool
    seconds: int  # in the room


def room_name(number, domain):
    """mod_conference's name of room ``number`` of ``domain`` (xml_curl/conferences)."""
    return f"{number}-{domain}"


def _member(entry):
    flags = entry.get("flags") if isinstance(entry.get("flags"), dict) else {}
    seconds = entry.get("join_time", 0)
    return Member(id=int(entry.get("id", 0)), uuid=str(entry.get("uuid", "")),
                  name=str(entry.get("caller_id_name", "")),
                  number=str(entry.get("caller_id_number", "")),
                  muted=flags.get("can_speak") is False, talking=flags.get("talking") is True,
                  moderator=flags.get("is_moderator") is True,
                  seconds=seconds if isinstance(seconds, int) else 0)


def parse_json_list(text):
    """The callers listed in ``json_list``'s answer (``[]`` for ``-ERR ...`` or anything
    that is not its JSON)."""
    try:
        rooms = json.loads(text or "")
    except ValueError:
        return []
    if not isinstance(rooms, list):
        return []
    found = []
    for room in rooms:
        entries = room.get("members") if isinstance(room, dict) else None
        for entry in entries if isinstance(entries, list) else ():
            if isinstance(entry, dict) and entry.get("type") == "caller":
                found.append(_member(entry))
    return found


def room_members(api, number, domain):
    """The members of room ``number`` through ``api`` (a command -> body, or None when
    the switch is away: SwitchUnavailable)."""
    body = api(f"conference {room_name(number, domain)} json_list")
    if body is None:
        raise SwitchUnavailable("the switch is not connected")
    return parse_json_list(body)


def members(address, number, domain, password):
    """The members of room ``number``, asked on a short connection to ``address``."""
    client = Connection(address.host, address.port, password, timeout=CONNECT_TIMEOUT)
    try:
        client.connect()
    except Exception as exc:  # noqa: B902 greenswitch raises plain Exception (and OSError)
        raise SwitchUnavailable(f"cannot reach the switch at {address}: {exc}") from None
    try:
        return room_members(client.api, number, domain)
    except ConnectionLost as exc:
        raise SwitchUnavailable(str(exc)) from None
    finally:
        client.stop()
