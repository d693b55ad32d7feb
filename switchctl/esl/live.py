"""What the running service knows live, fed by one Listener: every extension's state,
and the hub the portal's streams read (states, incoming calls, the switch's link).

The Listener is built with the rest of the service (switchctl.service.build) and
handed in; the decisions that need the database are the services' (contacts,
extensions, voicemail), each survived here when the database is away.
"""

import logging

from switchctl.db import database_guard
from switchctl.esl import mwi
from switchctl.esl.events import CallState
from switchctl.esl.extension_state import UNKNOWN
from switchctl.esl.notifications import (EVERYONE, Hub, IncomingCall, StateChange, SwitchLink,
                                         domain_topic)
from switchctl.freeswitch import contexts
from switchctl.services.contacts import caller_known_as
from switchctl.services.extensions import roster

log = logging.getLogger(__name__)


class LiveView:
    def __init__(self, listener, parked_calls=None):
        self.listener = listener
        self.parked_calls = parked_calls  # esl/parking.ParkedCalls (None in some tests)
        self.states = listener.states
        self.hub = Hub()
        self.states.observers.append(
            lambda user, state: self.hub.publish(domain_topic(user), StateChange(user, state)))
        self.listener.observers.append(self.announce_incoming_call)
        self.listener.link_observers.append(
            lambda online: self.hub.publish(EVERYONE, SwitchLink(online)))

    def announce_incoming_call(self, event):
        """A phone of ``event.user`` rings: tell that user's portal who calls."""
        if not isinstance(event, CallState) or not event.rings_a_phone:
            return
        name = ""
        with database_guard(log, "incoming call for %s", event.user):
            name = caller_known_as(event.user, event.caller_number,
                                   from_our_users=event.context == contexts.INTERNAL)
        self.hub.publish(event.user, IncomingCall(event.user, event.uuid, event.caller_number,
                                                  name))

    def mailbox_changed(self, domain_name, number):
        """Light (or put out) the voicemail lamp of every phone of a mailbox."""
        command = mwi.notice(domain_name, number)
        if command is not None:
            self.listener.send(command)

    def state(self, user):
        """``user``'s state as last seen; UNKNOWN while the switch is away."""
        return self.states.state(user) if self.listener.online.is_set() else UNKNOWN

    def states_of(self, users):
        """``{user: state}`` of many users at once; all UNKNOWN while the switch is away."""
        if not self.listener.online.is_set():
            return dict.fromkeys(users, UNKNOWN)
        return self.states.snapshot(users)

    @property
    def version(self):
        """Changes whenever what states_of answers may have changed."""
        return self.states.version, self.listener.online.is_set()

    def status(self, domain_name):
        """Whether the switch is connected (else since when it is not) and, once it is,
        whether every feature has caught up with it (parked calls, queue agents: the
        connect hooks), every extension's state and the parked calls."""
        since = self.listener.offline_since
        return {
            "switch": "offline" if since else "connected",
            "offline_since": since.isoformat(sep=" ") if since else None,
            "resynchronised": self.listener.resynchronised.is_set(),
            "extensions": {user.partition("@")[0]: state for user, state in self.states_of(
                [f"{number}@{domain_name}" for number, _ in roster(domain_name)]).items()},
            "parked": self.parked(domain_name),
        }

    def parked(self, domain_name):
        """The domain's parked calls by slot (esl/parking.ParkedCalls.snapshot); none while
        the switch is away."""
        if self.parked_calls is None or not self.listener.online.is_set():
            return []
        return self.parked_calls.snapshot(domain_name)
