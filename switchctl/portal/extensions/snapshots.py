"""The extension list of each domain, shared by every page and stream of the process.

The roster (numbers and names) is read from the database at most once per
ROSTER_SECONDS per domain, and the ``extensions`` event is encoded once per change of
the states (or of the roster): a hundred open streams cost what one does, however many
extensions the domain has. Extensions added, removed or renamed show within
ROSTER_SECONDS.
"""

import json
import time

from switchctl.esl.extension_state import UNKNOWN
from switchctl.services.extensions import roster

ROSTER_SECONDS = 15


def event(name, data):
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


class Snapshots:
    def __init__(self, live, roster_seconds=ROSTER_SECONDS, clock=time.monotonic):
        self.live = live  # a LiveView, or None without an event listener
        self.roster_seconds = roster_seconds
        self.clock = clock
        self._rosters = {}  # domain -> (read at, [(number, name)])
        self._events = {}  # domain -> (roster, live version, event text)

    def roster(self, domain_name):
        """``[(number, name)]`` of the domain's extensions; the same list object until it
        changes. A database error propagates (the caller says the list is unavailable)."""
        read_at, found = self._rosters.get(domain_name, (None, None))
        now = self.clock()
        if found is None or now - read_at >= self.roster_seconds:
            fresh = roster(domain_name)
            found = found if fresh == found else fresh
            self._rosters[domain_name] = (now, found)
        return found

    def rows(self, domain_name):
        """Every extension of the domain with its live state (``unknown`` without a
        listener, or while the switch is away)."""
        found = self.roster(domain_name)
        users = [f"{number}@{domain_name}" for number, _ in found]
        states = self.live.states_of(users) if self.live else dict.fromkeys(users, UNKNOWN)
        return [{"number": number, "name": name, "state": states[user]}
                for (number, name), user in zip(found, users, strict=True)]

    def online(self):
        return self.live is not None and self.live.listener.online.is_set()

    def event(self, domain_name):
        """``(bytes, roster)``: the ``extensions`` event of the domain, encoded, and the
        roster it shows."""
        found = self.roster(domain_name)
        version = self.live.version if self.live else None
        cached = self._events.get(domain_name)
        if cached is not None and cached[0] is found and cached[1] == version:
            return cached[2], found
        text = event("extensions", {"online": self.online(),
                                    "extensions": self.rows(domain_name)}).encode()
        self._events[domain_name] = (found, version, text)
        return text, found
