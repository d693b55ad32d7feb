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
SUBSCRIPTION = ("event plain CHANNEL_CALLSTATE CHANNEL_HANGUP_COMPLETE MESSAGE_QUERY "
                "CUSTOM sofia::register sofia::unregister sofia::expire")


class Listener:
    def __init__(self, address, password, states, retry=2.0, on_message_query=None):
        self.address = address
        self.password = password
        self.states = states
        self.on_message_query = on_message_query  # MessageQuery -> command text, or None
        self.observers = []  # called with every typed event, after the state took it
        self.link_observers = []  # called with True when in step, False when the link is lost
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
            if self.online.is_set():
                self.online.clear()
                self._tell_link(False)
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
        self._tell_link(True)
        log.info("event socket %s: connected, state resynchronised", self.address)
        client.closed.wait()
        if not self._stopped:
            raise ConnectionLost("connection closed")

    def _tell_link(self, online):
        for observer in list(self.link_observers):
            try:
                observer(online)
            except Exception:  # an observer's bug must not stop the reconnecting
                log.exception("event socket: a link observer failed")

    def send(self, command):
        """Send one command on the live connection; False when the switch is away."""
        client = self._client
        if client is None or not self.online.is_set():
            return False
        try:
            client.command(command)
        except ConnectionLost as exc:
            log.warning("event socket: could not send %s (%s)", command.split()[0], exc)
            return False
        return True

    def _on_event(self, event):
        try:
            typed = events.from_headers(event.headers)
        except (KeyError, ValueError, AttributeError) as exc:
            log.warning("event socket: ignored a malformed event (%s)", exc)
            return
        if isinstance(typed, events.MessageQuery):
            self._answer_query(typed)
            return
        self.states.apply(typed)
        if typed is not None:
            for observer in list(self.observers):
                observer(typed)

    def _answer_query(self, query):
        reply = self.on_message_query(query) if self.on_message_query else None
        if reply:
            self.send(reply)
