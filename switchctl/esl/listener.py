"""The inbound event listener: keeps ExtensionStates in step with the switch.

Connects to FreeSWITCH's event socket, subscribes to registration and call-state
events, rebuilds the state from the switch's tables, then applies events as they
come. When the socket goes away (FreeSWITCH restarts, a bad frame, a cut) it
retries every ``retry`` seconds and resynchronises on reconnect.
"""

import logging

import gevent
from gevent.event import Event
from greenswitch.esl import NotConnectedError

from switchctl.esl import events
from switchctl.esl.connection import Connection, ConnectionLost

log = logging.getLogger(__name__)
SUBSCRIPTION = ("event plain CHANNEL_CALLSTATE CHANNEL_HANGUP_COMPLETE "
                "CUSTOM sofia::register sofia::unregister sofia::expire")


class Listener:
    def __init__(self, address, password, states, retry=2.0):
        self.address = address
        self.password = password
        self.states = states
        self.retry = retry
        self.online = Event()  # set while connected and in step
        self.resyncs = 0
        self._stopped = False
        self._client = None

    def run(self):
        """Connect, follow, reconnect: until stop()."""
        while not self._stopped:
            try:
                self._follow()
            except (OSError, ConnectionLost, NotConnectedError, ValueError) as exc:
                if not self._stopped:
                    log.warning("event socket %s: %s; retrying in %ss", self.address, exc,
                                self.retry)
            self.online.clear()
            if not self._stopped:
                gevent.sleep(self.retry)

    def stop(self):
        self._stopped = True
        if self._client is not None:
            self._client.closed.set()

    def _follow(self):
        client = Connection(self.address.host, self.address.port, self.password)
        self._client = client
        with gevent.Timeout(client.timeout, ConnectionLost("no greeting")):
            client.connect()
        client.register_handle("*", self._on_event)
        client.command(SUBSCRIPTION)
        self.states.resync(events.registrations_from_json(client.api("show registrations as json")),
                           events.channels_from_json(client.api("show channels as json")))
        self.resyncs += 1
        self.online.set()
        log.info("event socket %s: connected, state resynchronised", self.address)
        client.closed.wait()
        if not self._stopped:
            raise ConnectionLost("connection closed")

    def _on_event(self, event):
        try:
            self.states.apply(events.from_headers(event.headers))
        except (KeyError, ValueError, AttributeError) as exc:
            log.warning("event socket: ignored a malformed event (%s)", exc)
