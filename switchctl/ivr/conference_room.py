"""Dialling a conference room (manual §2.8): the PIN asked, then the room as moderator
(admin PIN) or member (user PIN, or none when the room has none).

The dialplan (xml_curl/conferences.dial_room) names the room by its id in
``CONFERENCE_ROOM``; the room is read when the call comes, so a PIN changed in the portal
counts for the next caller. Each wrong PIN is said so; the third ends the call. A room
without a user PIN lets in, as a member, a caller who enters nothing (``#`` or waiting).
The caller then goes to the ``conference`` context (xml_curl/conferences.route_conference)
with the role in the destination; that context is reached only by our transfers.
"""

import hmac
import logging

from switchctl.freeswitch import contexts, prompts, variables
from switchctl.models import ConferenceRoom

log = logging.getLogger(__name__)
TRIES = 3
PIN_DIGITS = r"^\d{1,8}$"


def role_for(room, entered):
    """"moderator", "member" or None (a wrong PIN) for the PIN ``entered`` ("" for none)."""
    if entered and hmac.compare_digest(entered, room.admin_pin):
        return "moderator"
    if room.user_pin:
        return "member" if entered and hmac.compare_digest(entered, room.user_pin) else None
    return "member" if not entered else None


class ConferenceRoomFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        room = self._room()
        self.call.answer()
        for _ in range(TRIES):
            entered = self.call.collect_digits(prompts.CONF_PIN, prompts.NO_PROMPT, maximum=8,
                                               tries=1, regex=PIN_DIGITS)
            role = role_for(room, entered)
            if role is not None:
                log.info("conference room %s: a caller joins as %s", room.number, role)
                self.call.transfer(f"{role}-{room.number}", contexts.CONFERENCE)
                return
            self.call.play(prompts.CONF_BAD_PIN)
        log.info("conference room %s: three wrong PINs, call ended", room.number)
        self.call.play(prompts.GOODBYE)

    def _room(self):
        text = self.call.variable(variables.CONFERENCE_ROOM)
        room = ConferenceRoom.get_or_none(ConferenceRoom.id == int(text)) \
            if text.isascii() and text.isdigit() else None
        if room is None:
            raise LookupError(f"conference flow: no room {text!r}")
        return room
