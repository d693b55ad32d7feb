"""A fake FreeSWITCH event socket for component tests: the real wire protocol on port 0.

FakeSwitch is the inbound side (what switchctl's listener uses): ``auth/request`` on
connect, ``auth``, ``event plain|json <names>``, ``filter <header> <value>`` (and
``filter delete``), ``api`` (scripted answers), ``bgapi`` with its BACKGROUND_JOB
event, ``exit`` with the disconnect notice. Framing follows the captures:
command/reply without Content-Length; api/response with Content-Type first; events
with Content-Length first, plain ones with %-encoded headers, JSON ones with the body
as ``_body``. Every command is recorded; tests inject events (``emit`` sends raw
bytes to everyone, ``emit_event`` honours each client's format, subscription and
filters) and can cut the connection, or send a truncated frame.

FakeCall is the outbound side: one call connecting to our outbound server.
"""

import dataclasses
import re
import json
import socket
import uuid as uuid_module
import wave
from pathlib import Path
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


def json_event_frame(headers, body=b""):
    """A ``text/event-json`` frame, as FreeSWITCH sends one (a body goes in ``_body``)."""
    document = dict(headers)
    if body:
        document["Content-Length"] = str(len(body))
        document["_body"] = body.decode()
    inner = json.dumps(document, separators=(",", ":")).encode()
    return b"Content-Length: %d\nContent-Type: text/event-json\n\n" % len(inner) + inner


@dataclasses.dataclass
class Subscription:
    """What one inbound client asked for: ``event <format> <names>`` and its filters."""

    format: str = ""
    names: set = dataclasses.field(default_factory=set)
    subclasses: set = dataclasses.field(default_factory=set)
    filters: list = dataclasses.field(default_factory=list)  # (header, value)

    def subscribe(self, words):
        """As mod_event_socket: every word after CUSTOM is a subclass, not an event name."""
        self.format = words[0] if words else "plain"
        custom = False
        for word in words[1:]:
            if custom:
                self.subclasses.add(word)
            else:
                self.names.add(word)
                custom = word == "CUSTOM"

    def filter(self, words):
        if words[:1] == ["delete"]:
            header, value = (words[1:] + ["", ""])[:2]
            self.filters = [(h, v) for h, v in self.filters
                            if h != header or (value and v != value)]
        elif len(words) >= 2:
            self.filters.append((words[0], " ".join(words[1:])))

    def wants(self, headers):
        name = headers.get("Event-Name", "")
        # As mod_event_socket: a CUSTOM event needs its subclass listed after CUSTOM.
        listed = "ALL" in self.names or (name in self.names and (
            name != "CUSTOM" or headers.get("Event-Subclass") in self.subclasses))
        passes = not self.filters or any(str(headers.get(h)) == v for h, v in self.filters)
        return bool(self.format) and listed and passes

    def frame(self, headers, body):
        maker = json_event_frame if self.format == "json" else event_frame
        return maker(headers, body)


def event_frame(headers, body=b""):
    """A ``text/event-plain`` frame of ``headers`` (name -> value, %-encoded) and an
    optional body, which gets its own inner Content-Length as FreeSWITCH sends it."""
    inner = "".join(f"{name}: {quote(str(value), safe='')}\n" for name, value in headers.items())
    if body:
        inner += f"Content-Length: {len(body)}\n"
    inner = (inner + "\n").encode() + body
    return b"Content-Length: %d\nContent-Type: text/event-plain\n\n" % len(inner) + inner


class FakeSwitch:
    def __init__(self, password="ClueCon", answers=None, port=0):
        self.password = password
        self.answers = dict(answers or {})  # api command -> body
        self.commands = []
        self.unanswered = set()  # verbs taken in but never answered (a switch too busy)
        self.job_results = {}  # a bgapi command's name -> its BACKGROUND_JOB body
        self.clients = []
        self.subscriptions = {}  # client socket -> Subscription
        self.subscribed = Event()
        self.command_seen = Queue()
        # port: 0 for any free one; a switch restarted in a test listens where it did.
        self.server = StreamServer(("127.0.0.1", port), self._serve)

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
        self.subscriptions[sock] = Subscription()
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
        if verb in self.unanswered:
            return True
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
        elif verb == "event":
            subscription = self.subscriptions[sock]
            subscription.subscribe(rest.split())
            self._reply(sock, f"+OK event listener enabled {subscription.format}")
            self.subscribed.set()
        elif verb == "filter":
            self.subscriptions[sock].filter(rest.split())
            header, _, value = rest.partition(" ")
            self._reply(sock, f"+OK filter added. [{header}]=[{value}]")
        else:
            self._reply(sock, "+OK")
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
        # A Job-UUID header line (joined onto the command) names the job, as on the switch.
        command, marker, named = command.partition(" Job-UUID: ")
        job = named.strip() if marker else str(uuid_module.uuid4())
        sock.sendall(f"Content-Type: command/reply\nReply-Text: +OK Job-UUID: {job}\n"
                     f"Job-UUID: {job}\n\n".encode())
        name, _, argument = command.partition(" ")
        if name in self.job_results:
            result = self.job_results[name]
        elif command in self.answers or name != "originate":
            result = self._answer(command)
        else:  # an originate carried out, as the switch says it: +OK and the channel's uuid
            placed = re.search(r"origination_uuid=([0-9a-f-]{36})", argument)
            result = f"+OK {placed.group(1) if placed else job}\n"
        result = result.encode()
        headers = {"Event-Name": "BACKGROUND_JOB", "Job-UUID": job, "Job-Command": name}
        if argument:
            headers["Job-Command-Arg"] = argument
        subscription = self.subscriptions.get(sock)
        if subscription and subscription.wants(headers):  # an event like any other
            sock.sendall(subscription.frame(headers, result))

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
        self.subscriptions.pop(sock, None)
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

    def emit_event(self, headers, body=b""):
        """Send an event to each client that subscribed to it and whose filters pass it,
        in that client's format (plain or json)."""
        for sock in list(self.clients):
            subscription = self.subscriptions.get(sock)
            if subscription and subscription.wants(headers):
                sock.sendall(subscription.frame(headers, body))

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


@dataclasses.dataclass(frozen=True)
class FakeRecording:
    """What the caller says to one ``record``: the bytes the switch writes at the path
    the command names (None: no file) and the channel variables it sets besides
    (record_ms, record_seconds and record_samples come from the WAV unless given)."""

    audio: bytes = None
    variables: dict = dataclasses.field(default_factory=dict)


class FakeCall:
    """The switch's side of one outbound socket: it connects to our server as FreeSWITCH
    does for ``socket``, answers ``connect`` with the captured channel data (plus
    ``variables`` and ``headers``, e.g. Caller-Caller-ID-Number), and plays each
    ``sendmsg execute`` back as CHANNEL_EXECUTE and CHANNEL_EXECUTE_COMPLETE before the
    reply, as in the capture. ``digits`` are what the caller keys for each
    play_and_get_digits; ``hang_up_at`` makes the caller hang up instead of completing
    that (0-based) application.

    ``keys`` ({application index: digit}) are keys pressed during other applications: as
    mod_dptools' playback and record, a key in the channel's ``playback_terminators``
    (``set`` by the flow; "*" when unset) ends the application, and its completion carries
    ``playback_terminator_used``; other keys there are lost. A key pressed during
    play_and_get_digits (its prompt) is collected, before what ``digits`` has it key.
    ``recordings`` (bytes or FakeRecording, one per ``record`` in order) are written where
    the command says (``local_path`` maps the switch's path to this machine's), only into
    a folder that exists and that ``switch_writes`` (folder -> bool, as this machine sees
    it) says the switch's user may write into: else, like FreeSWITCH when it cannot open
    the file, the switch writes nothing, sets no record_ms and hangs the call up
    (DESTINATION_OUT_OF_ORDER). ``channel`` holds what the flow ``set``."""

    def __init__(self, port, variables, digits=(), hang_up_at=None, vanish_at=None,
                 headers=None, keys=None, recordings=(), local_path=Path,
                 switch_writes=Path.is_dir, api_answers=None):
        self.port = port
        # ``api`` on the outbound socket (mod_event_socket answers it there too):
        # command -> body ("+OK\n" unless given), each command kept in ``api_commands``
        self.api_answers = dict(api_answers or {})
        self.api_commands = []
        self.variables = variables
        self.headers = dict(headers or {})
        self.digits = list(digits)
        self.keys = dict(keys or {})
        self.recordings = list(recordings)
        self.local_path = local_path
        self.switch_writes = switch_writes
        self.hang_up_at = hang_up_at
        # Close the socket without a word at that application (it counts as executed).
        self.vanish_at = vanish_at
        self.channel = {}
        self.written = []  # paths of the recordings written, as this machine sees them
        self.commands = []
        self.executed = []
        self.done = Event()

    def run(self):
        sock = gsocket.create_connection(("127.0.0.1", self.port))
        # As mod_event_socket's outbound socket: without it each application's reply and
        # events (written apart) wait ~40 ms for the delayed ACK of the one before.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
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
        elif command.startswith("api "):
            self.api_commands.append(command[4:])
            body = self.api_answers.get(command[4:], "+OK\n").encode()
            sock.sendall(b"Content-Type: api/response\nContent-Length: %d\n\n" % len(body)
                         + body)
        elif command == "exit":  # the flow is done with a call that goes on (transferred)
            FakeSwitch._reply(sock, "+OK bye")
            FakeSwitch._disconnect(sock)
            self.done.set()

    def _connect_reply(self):
        from tests.builders.captures import payload

        captured = payload("esl_outbound/connect_reply.txt").decode()
        extra = "".join(f"variable_{k}: {quote(str(v), safe='')}\n"
                        for k, v in self.variables.items())
        extra += "".join(f"{k}: {quote(str(v), safe='')}\n" for k, v in self.headers.items())
        marker = "Content-Type: command/reply"
        return captured.replace(marker, extra + marker, 1).encode()

    def _execute(self, sock, message):
        """As in the transcript: the command's +OK first, then CHANNEL_EXECUTE, then (the
        caller's DTMF and) CHANNEL_EXECUTE_COMPLETE."""
        app, arg = message.get("execute-app-name", ""), message.get("execute-app-arg", "")
        complete = {"Event-Name": "CHANNEL_EXECUTE_COMPLETE", "Application": app,
                    "Application-Data": arg, "Application-Response": "_none_",
                    "Answer-State": "answered", "variable_current_application": app}
        if len(self.executed) == self.vanish_at:
            self.executed.append((app, arg))  # the switch had it when it went away
            if app == "record":  # what the switch wrote of it before it went away
                self._record(arg, {})
            self.done.set()
            sock.shutdown(gsocket.SHUT_RDWR)
            return
        FakeSwitch._reply(sock, "+OK")
        sock.sendall(event_frame({**complete, "Event-Name": "CHANNEL_EXECUTE"}))
        index = len(self.executed)
        self.executed.append((app, arg))
        if app == "set":
            name, _, value = arg.partition("=")
            self.channel[name] = value
        complete.update(self._pressed(sock, index, app))
        complete.update(self._played(app, arg))
        cause = "NORMAL_CLEARING"
        if app == "record" and not self._record(arg, complete):
            index, cause = self.hang_up_at, "DESTINATION_OUT_OF_ORDER"  # could not open it
        if index == self.hang_up_at:
            # As the real switch: the caller hangs up during the application, which
            # then completes on a channel that is down (Answer-State: hangup).
            sock.sendall(event_frame({**complete, "Answer-State": "hangup",
                                      "Hangup-Cause": cause}))
            self._hang_up(sock, cause)
            return
        if app == "play_and_get_digits":
            keyed = self.digits.pop(0) if self.digits else ""
            for digit in keyed:  # the caller's keys, as the transcript shows them
                sock.sendall(event_frame({"Event-Name": "DTMF", "DTMF-Digit": digit,
                                          "DTMF-Duration": "1280", "DTMF-Source": "ENDPOINT"}))
            keyed = self.keys.get(index, "") + keyed  # a key during its prompt counts
            if keyed:  # nothing keyed: the switch leaves the variable unset (no header)
                complete[f"variable_{arg.split()[7]}"] = keyed
        sock.sendall(event_frame(complete))
        if app == "hangup":
            self._hang_up(sock, arg or "NORMAL_CLEARING")

    def _pressed(self, sock, index, app):
        """The DTMF of a key pressed during application ``index``, and what it changes in
        the completion (mod_dptools on_dtmf: playback, record and say break on a
        terminator; "any" and "none" as there)."""
        digit = self.keys.get(index)
        if not digit:
            return {}
        sock.sendall(event_frame({"Event-Name": "DTMF", "DTMF-Digit": digit,
                                  "DTMF-Duration": "1280", "DTMF-Source": "ENDPOINT"}))
        terminators = self.channel.get("playback_terminators") or "*"
        terminators = {"any": "1234567890*#", "none": ""}.get(terminators.lower(), terminators)
        if app in ("playback", "record", "say") and digit in terminators:
            self.channel["playback_terminator_used"] = digit
            return {"variable_playback_terminator_used": digit}
        return {}

    def _played(self, app, arg):
        """playback of a file by its path (a message, a greeting: not a prompt of the sound
        set) answers as mod_dptools does: FILE PLAYED, or FILE NOT FOUND when it is not
        there."""
        if app != "playback" or not arg.startswith("/"):
            return {}
        found = Path(self.local_path(arg)).is_file()
        return {"Application-Response": "FILE PLAYED" if found else "FILE NOT FOUND"}

    def _record(self, arg, complete):
        """Write this record's recording where the command says; False when its folder
        does not exist or the switch may not write into it (nothing written)."""
        recording = self.recordings.pop(0) if self.recordings else FakeRecording()
        if isinstance(recording, bytes):
            recording = FakeRecording(recording)
        target = Path(self.local_path(arg.split()[0]))
        if not target.parent.is_dir() or not self.switch_writes(target.parent):
            return False
        found = {}
        if recording.audio is not None:
            target.write_bytes(recording.audio)
            self.written.append(target)
            found = _wave_lengths(target)
        found.setdefault("silence_hits_exhausted", "false")
        found.update(recording.variables)
        complete.update({f"variable_{name}": value for name, value in found.items()})
        self.channel.update(found)
        return True

    def _hang_up(self, sock, cause):
        sock.sendall(event_frame({"Event-Name": "CHANNEL_HANGUP", "Hangup-Cause": cause}))
        sock.sendall(b"Content-Type: text/disconnect-notice\nContent-Disposition: linger\n"
                     b"Linger-Time: -1\nContent-Length: 0\n\n")
        self.done.set()


def _wave_lengths(path):
    """record_ms, record_seconds and record_samples as switch_ivr_record_file sets them
    from the samples written (nothing for a file that is not a WAV)."""
    try:
        with wave.open(str(path), "rb") as audio:
            samples, rate = audio.getnframes(), audio.getframerate()
    except (wave.Error, EOFError):
        return {}
    return {"record_ms": str(samples // (rate // 1000)), "record_seconds": str(samples // rate),
            "record_samples": str(samples)}
