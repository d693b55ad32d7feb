"""A minimal SMTP server in the test's own gevent hub, for what a real one cannot be made
to do on cue: stay silent after the connection (``silent``), or run a test's hook the moment
it has the whole message, before its 250 (``on_message``). Everything else is the real
server's (tests/servers/smtp.py).

It answers the greeting, EHLO/HELO, MAIL, RCPT, DATA (the message up to the lone dot),
RSET, NOOP and QUIT; no extensions, no TLS.
"""

from gevent.event import Event
from gevent.server import StreamServer


class FakeSmtp:
    def __init__(self, silent=False, on_message=None):
        self.silent = silent
        self.on_message = on_message or (lambda content: None)
        self.connected = Event()
        self.hang_up = Event()  # a silent server closes its connections once set
        self.messages = []  # the bytes of each message accepted
        self.server = StreamServer(("127.0.0.1", 0), self._handle)

    def start(self):
        self.server.start()
        return self

    def stop(self):
        self.hang_up.set()
        self.server.stop(timeout=5)

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.server.server_port}"

    def _handle(self, sock, address):
        self.connected.set()
        if self.silent:
            self.hang_up.wait()
            return
        reader = sock.makefile("rb")
        sock.sendall(b"220 fake.test ESMTP\r\n")
        while True:
            line = reader.readline()
            verb = line[:4].upper()
            if not line or verb == b"QUIT":
                sock.sendall(b"221 bye\r\n")
                return
            if verb == b"DATA":
                sock.sendall(b"354 go ahead\r\n")
                self._take(reader)
                sock.sendall(b"250 2.0.0 queued\r\n")
            else:
                sock.sendall(b"250 fake.test\r\n")

    def _take(self, reader):
        lines = []
        for line in iter(reader.readline, b""):
            if line == b".\r\n":
                break
            lines.append(line[1:] if line.startswith(b"..") else line)
        content = b"".join(lines)
        self.messages.append(content)
        self.on_message(content)
