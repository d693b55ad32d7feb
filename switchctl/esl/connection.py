"""greenswitch's event-socket connections, with the guards its weak spots need.

- A frame cut short by the switch (Content-Length more than what arrives before
  EOF) made greenswitch's reader spin without yielding; here it ends the
  connection instead (GuardedReader, inbound and outbound alike).
- A malformed frame (e.g. no Content-Length where one is needed) ends the
  connection quietly instead of killing the reader greenlet with a traceback.
- Inbound: ``send`` never waits forever (every command has a timeout), and
  ``closed`` is set when the connection is over, whatever ended it.
"""

import logging
import socket

import gevent
from gevent.event import Event
from greenswitch.esl import InboundESL, NotConnectedError

log = logging.getLogger(__name__)
COMMAND_TIMEOUT = 5


class ConnectionLost(ConnectionError):
    """The event socket went away (or answered nothing in time)."""


class NoReply(ConnectionLost):
    """A command's reply did not come in time: the switch may well be carrying it out (or,
    its socket full, may not have taken it in whole). The connection cannot be trusted to
    pair the next replies with their commands: whoever gets this closes it."""


class GuardedReader:
    """Mixin for a greenswitch protocol class: guarded frame reading, and
    ``connection_over()`` called once the reader has stopped, whatever stopped it."""

    @staticmethod
    def _read_socket(sock, length):
        data = sock.read(length)
        if data is None or len(data) < length:
            raise ConnectionLost("event socket closed in the middle of a frame")
        return data.decode("utf-8", errors="replace")

    def receive_events(self):
        try:
            super().receive_events()
        except (ConnectionLost, KeyError, ValueError, OSError) as exc:
            log.warning("event socket: dropping the connection after a bad frame (%s)", exc)
        finally:
            self.connected = False
            self._run = False  # greenswitch's flag that stops its event-processing loop
            self.connection_over()

    def connection_over(self):
        """Override: what to do once nothing more will be read."""


class Connection(GuardedReader, InboundESL):
    def __init__(self, host, port, password, timeout=COMMAND_TIMEOUT):
        super().__init__(host, port, password, timeout=timeout)
        self.closed = Event()

    def command(self, text):
        """Send one command and return its reply event, within the timeout."""
        try:
            with gevent.Timeout(self.timeout, NoReply(f"no reply to {text.split()[0]}")):
                return self.send(text)
        except NotConnectedError:
            raise ConnectionLost("not connected") from None
        except ConnectionLost:  # NoReply (a ConnectionError, so an OSError too)
            raise
        except OSError as exc:  # reset before the reader noticed: nothing was taken in
            raise ConnectionLost(f"connection failed ({exc.strerror or exc})") from None

    def api(self, text):
        """The body of ``api <text>``."""
        return self.command(f"api {text}").data or ""

    def connection_over(self):
        self.closed.set()

    def close(self):
        """End the connection from our side: no event is handled after this (greenswitch's
        own stop() sends ``exit`` and waits for its greenlets, without a timeout)."""
        self._run = False
        self.connected = False
        sock = getattr(self, "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # never connected, or already gone
            sock.close()
        self.closed.set()
