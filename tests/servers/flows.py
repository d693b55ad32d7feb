"""switchctl's outbound server running every flow of a FlowContext, each flow's end noted.

A test waits on ``server.ended`` (the flow's class name, put when its run() is over,
normally or not: its work, the database's included, is done by then) rather than on the
fake call's end: the caller's side may be done before the flow has finished with what
the hang-up means."""

from gevent.queue import Queue

from switchctl.config import HostPort
from switchctl.esl.outbound import OutboundServer
from switchctl.ivr import flows


class NotedEnd:
    def __init__(self, flow, ended):
        self.flow = flow
        self.ended = ended

    def run(self):
        try:
            self.flow.run()
        finally:
            self.ended.put(type(self.flow).__name__)


def flow_server(context):
    """The OutboundServer (started, on a free port) with ``ended``, a Queue."""
    ended = Queue()
    factories = {name: (lambda call, factory=factory: NotedEnd(factory(call), ended))
                 for name, factory in flows(context).items()}
    server = OutboundServer(HostPort("127.0.0.1", 0), factories)
    server.ended = ended
    return server.start()
