"""A fake FreeSWITCH event socket for component tests: the real wire protocol on port 0.

Inbound side only (what switchctl's listener uses): ``auth/request`` on connect,
``auth``, ``event plain``, ``filter``, ``api`` (scripted answers), ``bgapi`` with its
BACKGROUND_JOB event, ``exit`` with the disconnect notice. Framing follows the
captures: command/reply without Content-Length; api/response with Content-Type
first; events with Content-Length first and %-encoded plain headers. Every
command is recorded; tests inject events (captured or built) and can cut the
connection, or send a truncated frame.
"""

import socket
import uuid as uuid_module
from urllib.parse import quote

import gevent
from gevent import socket as gsocket
from gevent.event import Event
from gevent.queue import Queue
from gevent.server import StreamServer

DISCONNECT_NOTICE = b"Disconnected, goodbye.\nSee you at ClueCon! http://www.cluecon.com/\n"


def read_lines(reader):
    """The lines of one command up to its blank line (None at EOF)."""
    lines = []
    while True:
        line = reader.readline()
        if not line:
            return None
        if line == b"\n":
            return [part.decode() for part in lines]
        lines.append(line.rstrip(b"\n"))


def event_frame(headers, body=b""):
    """A ``text/event-plain`` frame of ``headers`` (name -> value, %-encoded) and an
    optional body, which gets its own inner Content-Length as FreeSWITCH sends it."""
    inner = "".join(f"{name}: {quote(str(value), safe='')}\n" for name, value in headers.items())
    if body:
        inner += f"Content-Length: {len(body)}\n"
    inner = (inner + "\n").encode() + body
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(inner) + inner


class FakeSwitch:
    def __init__(self, password="ClueCon", answers=None):
        self.password = password
        self.answers = dict(answers or {})  # api command -> body
        self.commands = []
        self.clients = []
        self.subscribed = Event()
        self.command_seen = Queue()
        self.server = StreamServer(("127.0.0.1", 0), self._serve)

    def start(self):
        self.server.start()
        return self

    @property
    def port(self):
        return self.server.server_port

    def stop(self):
        for sock in list(self.clients):
            self._close(sock)
        self.server.stop(timeout=1)

    def _serve(self, sock, address):
        self.clients.append(sock)
        reader = sock.makefile("rb")
        try:
            sock.sendall(b"Content-Type: auth/request\n\n")
            while True:
                command = self._read_command(reader)
                if command is None or not self._handle(sock, command):
                    break
        except OSError:
            pass
        finally:
            self._close(sock)

    @staticmethod
    def _read_command(reader):
        """One command, its lines joined by spaces (None at EOF)."""
        lines = read_lines(reader)
        return None if lines is None else " ".join(lines)

    def _handle(self, sock, command):
        self.commands.append(command)
        self.command_seen.put(command)
        verb, _, rest = command.partition(" ")
        if verb == "auth":
            return self._auth(sock, rest)
        if verb == "exit":
            self._reply(sock, "+OK bye")
            self._disconnect(sock)
            return False
        if verb == "api":
            body = self._answer(rest).encode()
            sock.sendall(b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body) + body)
        elif verb == "bgapi":
            self._bgapi(sock, rest)
        else:
            self._reply(sock, "+OK event listener enabled plain" if verb == "event" else "+OK")
            if verb == "event":
                self.subscribed.set()
        return True

    def _auth(self, sock, password):
        if password != self.password:
            self._reply(sock, "-ERR invalid")
            self._disconnect(sock)
            return False
        self._reply(sock, "+OK accepted")
        return True

    def _answer(self, command):
        answer = self.answers.get(command, "-ERR no reply\n")
        return answer() if callable(answer) else answer

    def _bgapi(self, sock, command):
        job = str(uuid_module.uuid4())
        sock.sendall(f"Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\n"
                     f"Job-UUID: {job}\n\n".encode())
        result = self._answer(command).encode()
        sock.sendall(event_frame({"Event-Name": "BACKGROUND_JOB", "Job-UUID": job,
                                  "Job-Command": command.split(" ")[0]}, result))

    @staticmethod
    def _reply(sock, text):
        sock.sendall(f"Content-Type: command/reply\nReply-Text: {text}\n\n".encode())

    @staticmethod
    def _disconnect(sock):
        sock.sendall(b"Content-Type: text/disconnect-notice\nContent-Length: %d\n\n"
                     % len(DISCONNECT_NOTICE) + DISCONNECT_NOTICE)

    def _close(self, sock):
        if sock in self.clients:
            self.clients.remove(sock)
        try:
            # shutdown first: the reader's makefile() would keep the descriptor open.
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        sock.close()

    def emit(self, frame):
        """Send raw frame bytes (a captured frame, or event_frame(...)) to every client."""
        for sock in list(self.clients):
            sock.sendall(frame)

    def cut(self):
        """Drop every connection without a word, as a crashing switch would."""
        for sock in list(self.clients):
            self._close(sock)

    def wait_for_command(self, prefix, timeout=5):
        """The next recorded command starting with ``prefix`` (waits on the record)."""
        with gevent.Timeout(timeout):
            while True:
                command = self.command_seen.get()
                if command.startswith(prefix):
                    return command


class FakeCall:
    """The switch's side of one outbound socket: it connects to our server as FreeSWITCH
    does for ``socket``, answers ``connect`` with the captured channel data (plus
    ``variables``), and plays each ``sendmsg execute`` back as CHANNEL_EXECUTE and
    CHANNEL_EXECUTE_COMPLETE before the reply, as in the capture. ``digits`` are what
    the caller keys for each play_and_get_digits; ``hang_up_at`` makes the caller hang
    up instead of completing that (0-based) application."""

    def __init__(self, port, variables, digits=(), hang_up_at=None, vanish_at=None):
        self.port = port
        self.variables = variables
        self.digits = list(digits)
        self.hang_up_at = hang_up_at
        self.vanish_at = vanish_at  # close the socket without a word at that application
        self.commands = []
        self.executed = []
        self.done = Event()

    def run(self):
        sock = gsocket.create_connection(("127.0.0.1", self.port))
        reader = sock.makefile("rb")
        try:
            while not self.done.is_set():
                lines = read_lines(reader)
                if lines is None:
                    break
                self.commands.append("\n".join(lines))
                self._handle(sock, lines)
        except OSError:
            pass
        finally:
            self.done.set()
            sock.close()

    def _handle(self, sock, lines):
        command = lines[0] if lines else ""
        if command == "connect":
            sock.sendall(self._connect_reply())
        elif command == "myevents":
            FakeSwitch._reply(sock, "+OK Events Enabled")
        elif command.startswith("linger"):
            FakeSwitch._reply(sock, "+OK will linger")
        elif command == "sendmsg":
            self._execute(sock, dict(line.split(": ", 1) for line in lines[1:] if ": " in line))

    def _connect_reply(self):
        from tests.captures import payload

        captured = payload("esl_outbound/connect_reply.txt").decode()
        extra = "".join(f"variable_{k}: {quote(str(v), safe='')}\n"
                        for k, v in self.variables.items())
        marker = "Content-Type: command/reply"
        return captured.replace(marker, extra + marker, 1).encode()

    def _execute(self, sock, message):
        app, arg = message.get("execute-app-name", ""), message.get("execute-app-arg", "")
        complete = {"Event-Name": "CHANNEL_EXECUTE_COMPLETE", "Application": app,
                    "Application-Data": arg, "Application-Response": "_none_",
                    "Answer-State": "answered", "variable_current_application": app}
        if len(self.executed) == self.vanish_at:
            self.done.set()
            sock.shutdown(gsocket.SHUT_RDWR)
            return
        if len(self.executed) == self.hang_up_at:
            # As the real switch: the application starts, the caller hangs up, and it
            # completes on a channel that is down (Answer-State: hangup).
            sock.sendall(event_frame({**complete, "Event-Name": "CHANNEL_EXECUTE"}))
            sock.sendall(event_frame({**complete, "Answer-State": "hangup",
                                      "Hangup-Cause": "NORMAL_CLEARING"}))
            FakeSwitch._reply(sock, "+OK")
            self._hang_up(sock, "NORMAL_CLEARING")
            return
        self.executed.append((app, arg))
        if app == "play_and_get_digits":
            complete[f"variable_{arg.split()[7]}"] = self.digits.pop(0) if self.digits else ""
        sock.sendall(event_frame({**complete, "Event-Name": "CHANNEL_EXECUTE"}))
        sock.sendall(event_frame(complete))
        FakeSwitch._reply(sock, "+OK")
        if app == "hangup":
            self._hang_up(sock, arg or "NORMAL_CLEARING")

    def _hang_up(self, sock, cause):
        sock.sendall(event_frame({"Event-Name": "CHANNEL_HANGUP", "Hangup-Cause": cause}))
        sock.sendall(b"Content-Type: text/disconnect-notice\nContent-Disposition: linger\n"
                     b"Linger-Time: -1\nContent-Length: 0\n\n")
        self.done.set()
