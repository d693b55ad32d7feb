"""The inbound event listener: keeps ExtensionStates in step with the switch.

Connects to FreeSWITCH's event socket, subscribes to registration and call-state
events, rebuilds the state from the switch's tables, then applies events as they
come. When the socket goes away (FreeSWITCH restarts, a bad frame, a cut) it
retries after ``retry`` seconds, doubling the wait up to ``max_retry`` while the switch
stays away, and resynchronises on reconnect. The first failure is logged as a warning,
the retries that follow only at debug level, the recovery with how long it took.
"""

import datetime

import logging

import gevent
from gevent.event import Event
from greenswitch.esl import NotConnectedError

from switchctl.esl import events
from switchctl.esl.connection import Connection, ConnectionLost, NoReply

log = logging.getLogger(__name__)
# The call features' own events (parked calls, queue agents, recordings ending) reach the
# header_observers: each feature's module reads its own.
# Every word after CUSTOM is a subclass (mod_event_socket): the event names come first.
SUBSCRIPTION = ("event plain CHANNEL_CALLSTATE CHANNEL_HANGUP_COMPLETE MESSAGE_QUERY RECORD_STOP "
                "BACKGROUND_JOB "
                "CUSTOM sofia::register sofia::unregister sofia::expire valet_parking::info "
                "callcenter::info conference::maintenance verto::login verto::client_disconnect "
                "spandsp::txfaxresult spandsp::rxfaxresult")


class Listener:
    def __init__(self, address, password, states, retry=2.0, on_message_query=None,
                 max_retry=16.0):
        self.address = address
        self.password = password
        self.states = states
        self.on_message_query = on_message_query  # MessageQuery -> command text, or None
        self.observers = []  # called with every typed event, after the state took it
        self.link_observers = []  # called with True when in step, False when the link is lost
        # Called with every event's headers (a dict), typed or not: the call features
        # (esl/parking.py, esl/queues.py, esl/recordings.py) pick their own events.
        self.header_observers = []
        # Called with the connection after every (re)connect, once the extension states
        # are in step and the link is told (online): each resynchronises its own state
        # (api commands on the connection); then ``resynchronised`` is set. One that
        # fails is logged and skipped.
        self.connect_hooks = []
        self.retry = retry
        self.max_retry = max_retry
        self.online = Event()  # set while connected and in step
        self.resynchronised = Event()  # set once the connect hooks have run too
        # When the link went away (or the listener started without one); None while online.
        self.offline_since = _now()
        self.resyncs = 0
        self._stopped = False
        self._client = None

    def run(self):
        """Connect, follow, reconnect: until stop()."""
        failures = 0
        while not self._stopped:
            try:
                self._follow()
            except (OSError, ConnectionLost, NotConnectedError, ValueError) as exc:
                if not self._stopped:
                    failures = 1 if self.offline_since is None else failures + 1
                    level = logging.WARNING if failures == 1 else logging.DEBUG
                    log.log(level, "event socket %s: %s; retrying", self.address, exc)
            if self.offline_since is None:  # it was in step until now
                self.online.clear()
                self.resynchronised.clear()
                self.offline_since = _now()
                self._tell_link(False)
            if not self._stopped:
                gevent.sleep(min(self.retry * 2 ** max(0, failures - 1), self.max_retry))

    def stop(self):
        self._stopped = True
        if self._client is not None:
            self._client.closed.set()

    def _follow(self):
        client = Connection(self.address.host, self.address.port, self.password)
        self._client = client
        try:
            self._follow_on(client)
        finally:
            client.close()  # stopped, cut or failed: this connection handles nothing more

    def _follow_on(self, client):
        with gevent.Timeout(client.timeout, ConnectionLost("no greeting")):
            client.connect()
        client.register_handle("*", self._on_event)
        client.command(SUBSCRIPTION)
        phones = events.registrations_from_json(client.api("show registrations as json"))
        channels = events.channels_from_json(client.api("show channels as json"))
        # Browsers logged in over Verto (the web phone) are phones of their users too.
        for user, contacts in events.verto_logins_from_xml(client.api("verto xmlstatus")).items():
            phones.setdefault(user, set()).update(contacts)
        self.states.resync(phones, channels)
        self.resyncs += 1
        away = (_now() - self.offline_since).total_seconds()
        self.offline_since = None
        self.online.set()  # the extension states are in step: the live view may answer
        self._tell_link(True)
        for hook in list(self.connect_hooks):
            try:
                hook(client)
            except (ConnectionLost, NotConnectedError, OSError):
                raise
            except Exception:  # a feature's resync bug must not keep the link down
                log.exception("event socket: a resynchronisation hook failed")
        self.resynchronised.set()
        log.info("event socket %s: connected after %.0f s away, state resynchronised",
                 self.address, away)
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
        """Send one command on the live connection: False when it could not be written
        (the switch is away). A command whose reply did not come in time counts as sent:
        the switch may be carrying it out (an originate placed twice would call twice), and
        what it does is told by its events; the connection is closed (a stalled switch,
        and replies no longer sure to meet their commands), so that what follows waits for
        the reconnection and its resynchronisation instead of 5 s each."""
        client = self._client
        if client is None or not self.online.is_set():
            return False
        try:
            client.command(command)
        except NoReply as exc:
            log.warning("event socket: %s; taken as sent, the connection closed", exc)
            self.online.clear()
            client.close()
        except ConnectionLost as exc:
            log.warning("event socket: could not send %s (%s)", command.split()[0], exc)
            return False
        return True

    def api(self, command):
        """The body of ``api <command>`` on the live connection; None when the switch is
        away or the link fails meanwhile."""
        client = self._client
        if client is None or not self.online.is_set():
            return None
        try:
            return client.api(command)
        except ConnectionLost as exc:
            log.warning("event socket: api %s failed (%s)", command.split()[0], exc)
            return None

    def _on_event(self, event):
        for observer in list(self.header_observers):
            try:
                observer(event.headers)
            except Exception:  # one feature's bug must not stop the others' events
                log.exception("event socket: an event observer failed")
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


def _now():
    return datetime.datetime.now().replace(microsecond=0)
