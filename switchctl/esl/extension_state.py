"""The live state of every extension: idle, unavailable (not registered) or in use.

Kept from registration and channel events, and rebuilt from the switch's own
tables (registrations, channels) whenever the listener (re)connects, so it is
right after a FreeSWITCH restart or a dropped socket. Observers are told about
every change of an extension's state.
"""

from switchctl.esl import events

IDLE = "idle"
UNAVAILABLE = "unavailable"
IN_USE = "in use"
UNKNOWN = "unknown"  # while the switch is away: nothing is known of any phone


class ExtensionStates:
    def __init__(self):
        self.contacts = {}  # user -> set of contacts
        self.channels = {}  # uuid -> CallState
        self.observers = []
        self.version = 0  # grows with every change of any extension's state

    def state(self, user):
        return self.snapshot([user])[user]

    def snapshot(self, users):
        """``{user: state}`` of many users at once (the channels are read once)."""
        in_use = {c.user for c in self.channels.values() if c.state in events.IN_USE_STATES}
        return {user: IN_USE if user.lower() in in_use else
                IDLE if self.contacts.get(user.lower()) else UNAVAILABLE for user in users}

    def apply(self, event):
        """Update from one typed event (None is ignored)."""
        if event is None:
            return
        touched = self._touched(event)
        before = {user: self.state(user) for user in touched}
        self._change(event)
        self._notify(before)

    def resync(self, registrations, channels):
        """Replace everything with the switch's tables (after a (re)connect)."""
        touched = set(self.contacts) | set(registrations) | \
            {c.user for c in self.channels.values()} | {c.user for c in channels}
        before = {user: self.state(user) for user in touched if user}
        self.contacts = {user: set(found) for user, found in registrations.items()}
        self.channels = {c.uuid: c for c in channels}
        self.version += 1
        self._notify(before)

    def _touched(self, event):
        if isinstance(event, events.ChannelGone):
            gone = self.channels.get(event.uuid)
            return {gone.user} if gone and gone.user else set()
        previous = self.channels.get(getattr(event, "uuid", None))
        users = {event.user} if event.user else set()
        return users | ({previous.user} if previous and previous.user else set())

    def _change(self, event):
        if isinstance(event, events.Registered):
            self.contacts.setdefault(event.user, set()).add(event.contact)
        elif isinstance(event, events.Unregistered):
            remaining = self.contacts.get(event.user, set()) - {event.contact}
            # An unregister without a known contact (expiry) drops them all.
            self.contacts[event.user] = remaining if event.contact else set()
        elif isinstance(event, events.ChannelGone) or event.state in ("HANGUP", "DOWN"):
            self.channels.pop(event.uuid, None)
        else:
            self.channels[event.uuid] = event

    def _notify(self, before):
        for user, old in before.items():
            new = self.state(user)
            if new != old:
                self.version += 1
                for observer in list(self.observers):
                    observer(user, new)
