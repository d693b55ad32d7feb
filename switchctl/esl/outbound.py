"""The outbound event-socket server: the dialplan's ``socket`` application connects here.

Each call gets its own greenlet and one flow object, chosen by the channel
variable ``switchctl_flow`` that the dialplan sets before ``socket``
(``socket <address> async full``). The flow talks to the switch only through a
CallSession. A caller hanging up ends the flow normally; any other error is
logged, the caller hears an error prompt and the call is hung up: no dead air.
"""

import logging

from gevent.server import StreamServer
from greenswitch.esl import NotConnectedError, OutboundSession, OutboundSessionHasGoneAway

from switchctl import prompts
from switchctl.esl.session import CallerHungUp, CallSession

log = logging.getLogger(__name__)
FLOW_VARIABLE = "switchctl_flow"


def socket_data(address):
    """The ``socket`` application's argument for our server (``full`` lets flows use api)."""
    return f"{address.host}:{address.port} async full"


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
        session = OutboundSession(address, sock)
        try:
            session.connect()
            session.myevents()
            session.linger()
        except (OutboundSessionHasGoneAway, NotConnectedError, OSError, KeyError):
            log.info("outbound socket from %s closed before the flow started", address[0])
            return
        call = CallSession(session)
        name = call.variable(FLOW_VARIABLE)
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
        call.hangup()

    @staticmethod
    def _fail(call):
        try:
            call.play(prompts.ERROR)
        except CallerHungUp:
            return
        call.hangup("NORMAL_TEMPORARY_FAILURE")
