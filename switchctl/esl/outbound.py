"""The outbound event-socket server: the dialplan's ``socket`` application connects here.

Each call gets its own greenlet and one flow object, chosen by the channel
variable ``switchctl_flow`` that the dialplan sets before ``socket``
(``socket <address> async full``). The flow talks to the switch only through a
CallSession. A caller hanging up ends the flow normally; any other error is
logged, the caller hears an error prompt and the call is hung up: no dead air.
"""

import logging

import gevent
from gevent.queue import Empty
from gevent.server import StreamServer
from greenswitch.esl import NotConnectedError, OutboundSession, OutboundSessionHasGoneAway

from switchctl.freeswitch import prompts, variables
from switchctl.esl.connection import GuardedReader
from switchctl.esl.session import CallerHungUp, CallSession

log = logging.getLogger(__name__)


class CallSocket(GuardedReader, OutboundSession):
    """greenswitch's outbound session, guarded. When the switch closes the socket,
    greenswitch stops processing events it has already read, so a flow waiting on the
    completion of an application cut short by a hangup would wait for its timeout.
    Here those events are still handled, then every remaining waiter is told the call
    has gone."""

    def connection_over(self):
        self._outbound_connected = False
        while True:
            try:
                event = self._esl_event_queue.get_nowait()
            except Empty:
                break
            try:
                self.on_event(event)
            except Exception:  # one odd event must not keep the flow waiting
                log.exception("outbound socket: an event read before the end failed")
        gone = [result for waiting in self.expected_events.values() for *_, result in waiting]
        for result in gone + list(self._commands_sent):
            if not result.ready():
                result.set_exception(OutboundSessionHasGoneAway())


class OutboundServer:
    def __init__(self, address, flows):
        self.flows = flows  # name -> class taking a CallSession, with run()
        self.server = StreamServer((address.host, address.port), self._handle)

    def start(self):
        self.server.start()
        return self

    @property
    def port(self):
        return self.server.server_port

    def stop(self):
        self.server.stop(timeout=2)

    def _handle(self, sock, address):
        session = CallSocket(address, sock)
        try:
            self._serve(session, address)
        finally:
            _close(session)

    def _serve(self, session, address):
        try:
            session.connect()
            session.myevents()
            session.linger()
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError, KeyError):
            log.info("outbound socket from %s closed before the flow started", address[0])
            return
        call = CallSession(session)
        name = call.variable(variables.FLOW)
        flow = self.flows.get(name)
        if flow is None:
            log.error("outbound socket: no flow %r (channel %s)", name, call.variable("uuid"))
            self._fail(call)
            return
        self._run(flow(call), call, name)

    def _run(self, flow, call, name):
        try:
            flow.run()
        except CallerHungUp:
            log.debug("flow %s: caller hung up", name)
            return
        except Exception:
            log.exception("flow %s failed on channel %s", name, call.variable("uuid"))
            self._fail(call)
            return
        if not call.handed_on:  # a transferred call goes on in the dialplan
            call.hangup()

    @staticmethod
    def _fail(call):
        try:
            call.play(prompts.ERROR)
        except CallerHungUp:
            return
        call.hangup("NORMAL_TEMPORARY_FAILURE")


def _close(session):
    """End the socket once the flow is done: the flow asked for ``linger``, so FreeSWITCH
    keeps the hung-up channel (and its session slot) until we close (seen on the real
    switch: "Socket Linger -1", channels left until switchctl exited)."""
    try:
        with gevent.Timeout(5):
            session.stop()  # "exit", then wait for greenswitch's readers to end
    except (gevent.Timeout, OSError, NotConnectedError, OutboundSessionHasGoneAway):
        pass
    finally:
        session.sock.close()
