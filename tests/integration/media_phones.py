"""Phones that talk and press keys (sipp with RTP), for the call-flow tests on the real
switch, and a watcher of the switch's events.

- ``busy_phone``: registers an extension and answers every call 486 Busy Here; its SIP
  messages are traced, so the message-waiting NOTIFYs sofia sends it (its lamp) can be read.
- ``talking_call``: a caller that speaks (sipp's g711a.pcap, 7 s of A-law speech) for a
  while, then hangs up; ``staying_call``: a silent caller that waits for the switch to hang
  up (the test presses its keys with ``uuid_recv_dtmf``).
- ``answering_phone``: answers, plays a pcap into the call (speech, or keys pressed as
  RFC 2833 events: ``key_presses`` writes such a file), waits for the switch's BYE.
- ``SwitchEvents``: one event-socket connection read by a thread; a test waits for the
  event it expects with a timeout, and sees what came instead when it does not.
"""

import dataclasses
import queue
import re
import socket
import struct
import subprocess
import threading
import time
import urllib.parse
from pathlib import Path

from tests.integration.sip_phones import SCENARIOS, free_udp_port, register

SPEECH = Path("/usr/share/sip-tester/g711a.pcap")  # Debian's sip-tester
TIMEOUT = 40  # seconds any of these phones lives at most (sipp -timeout)
POLL = 0.05


def media_port():
    """A free even UDP port whose next three are free too (sipp binds its audio port and
    the one two above, for video; RTCP would take the odd ones)."""
    for _ in range(50):
        port = free_udp_port() & ~1
        probes = []
        try:
            for offset in range(4):
                probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                probes.append(probe)
                probe.bind(("127.0.0.1", port + offset))
            return port
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no four free UDP ports in a row")


def _sipp(*args, calls=1, timeout=TIMEOUT):
    return ["sipp", *args, "-i", "127.0.0.1", "-mp", str(media_port()), "-m", str(calls),
            "-nostdin", "-timeout", f"{timeout}s"]


class Phone:
    """A running sipp; with ``trace`` its SIP messages are written to that file."""

    def __init__(self, command, trace=None, port=None):
        if trace is not None:
            command += ["-trace_msg", "-message_file", str(trace)]
        self.trace = trace
        self.port = port
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)

    def wait(self, timeout=TIMEOUT + 5):
        """sipp's exit code (0: every call went as its scenario says)."""
        return self.process.wait(timeout=timeout)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def listening(self):
        """Returned once sipp has bound its SIP port (an INVITE to a closed port fails)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and self.process.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                try:
                    probe.bind(("127.0.0.1", self.port))
                except OSError:
                    return self
            time.sleep(POLL)
        raise RuntimeError(f"sipp did not listen on {self.port}")

    def lamps(self):
        """What each message-waiting NOTIFY the phone received said, in order:
        ``(Messages-Waiting, Voice-Message)``, e.g. ``("yes", "1/0 (0/0)")``."""
        try:
            text = Path(self.trace).read_text(errors="replace")
        except OSError:
            return []
        found = []
        for entry in re.split(r"^-{10,}.*$", text, flags=re.M):
            if "message received" not in entry or "\nNOTIFY sip:" not in entry:
                continue
            waiting = re.search(r"^Messages-Waiting:\s*(\S+)", entry, re.M | re.I)
            voice = re.search(r"^Voice-Message:\s*(.+?)\s*$", entry, re.M | re.I)
            found.append((waiting and waiting[1].lower(), voice and voice[1]))
        return found

    def lamp_shows(self, waiting, voice, timeout=10):
        """Wait until a NOTIFY says ``waiting`` ("yes"/"no") and ``voice`` ("1/0 (0/0)");
        the NOTIFYs seen (the last one matching when it came)."""
        deadline = time.monotonic() + timeout
        while (seen := self.lamps())[-1:] != [(waiting, voice)] and \
                time.monotonic() < deadline:
            time.sleep(POLL)
        return seen


def busy_phone(sip, number, password, trace):
    """``number`` registered at a phone that is busy for every call, its messages traced."""
    port = free_udp_port()
    assert register(sip, number, password, port), f"{number} did not register"
    return Phone(_sipp("-sf", str(SCENARIOS / "busy.xml"), "-p", str(port), "-aa",
                       calls=100), trace=trace, port=port).listening()


def _caller(scenario, sip, caller, password, destination, *extra):
    return _sipp(str(sip), "-sf", str(SCENARIOS / scenario), "-s", destination,
                 "-key", "caller", caller, "-au", caller, "-ap", password,
                 "-p", str(free_udp_port()), *extra)


def talking_call(sip, caller, password, destination, talk):
    """``caller`` calls ``destination``, speaks for ``talk`` seconds once answered, hangs up."""
    return Phone(_caller("talk.xml", sip, caller, password, destination,
                         "-d", str(int(talk * 1000))))


def staying_call(sip, caller, password, destination):
    """``caller`` calls ``destination`` and stays until the switch hangs up."""
    return Phone(_caller("stay.xml", sip, caller, password, destination))


def answering_phone(pcap=SPEECH, port=None):
    """A phone at ``port`` that answers one call and plays ``pcap`` into it."""
    port = port or free_udp_port()
    return Phone(_sipp("-sf", str(SCENARIOS / "answer.xml"), "-p", str(port),
                       "-key", "pcap", str(pcap)), port=port).listening()


def key_presses(path, key, every=1.0, times=15):
    """Write a pcap of ``key`` pressed ``times`` times, ``every`` seconds, as RFC 2833
    events (payload type 101, as answer.xml offers): a phone pressing again and again,
    so that a press made while the switch does not listen is followed by others.
    (sipp's own dtmf pcaps press once; played again, their events repeat the same
    timestamps and the switch takes them for duplicates.)"""
    event = "0123456789*#".index(key)
    records = []
    sequence, stamp = 1000, 8000
    for press in range(times):
        start = press * every
        # Held down 100 ms (a packet each 20 ms, the duration growing), then the end,
        # sent three times (RFC 4733); one timestamp for the whole press.
        packets = [(n * 0.02, False, 160 * (n + 1)) for n in range(5)]
        packets += [(0.1 + n * 0.001, True, 800) for n in range(3)]
        for n, (offset, end, duration) in enumerate(packets):
            marker = 0x80 if n == 0 else 0
            rtp = struct.pack("!BBHII", 0x80, marker | 101, sequence & 0xFFFF, stamp,
                              0x5C17C7)
            rtp += struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)
            sequence += 1
            records.append((start + offset, rtp))
        stamp += int(every * 8000)
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))  # Ethernet
        for when, rtp in records:
            frame = _ethernet_udp(rtp)
            seconds = int(when)
            out.write(struct.pack("<IIII", seconds, int((when - seconds) * 1e6),
                                  len(frame), len(frame)))
            out.write(frame)
    return path


def _ethernet_udp(payload, source=("127.0.0.1", 40000), target=("127.0.0.1", 40002)):
    """An Ethernet frame carrying ``payload`` in UDP/IPv4 (sipp reads only the UDP payload
    and sends it from its own media port to the call's)."""
    udp = struct.pack("!HHHH", source[1], target[1], 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         socket.inet_aton(source[0]), socket.inet_aton(target[0]))
    words = struct.unpack("!10H", header)
    total = sum(words)
    while total > 0xFFFF:
        total = (total & 0xFFFF) + (total >> 16)
    header = header[:10] + struct.pack("!H", ~total & 0xFFFF) + header[12:]
    return b"\0" * 12 + b"\x08\x00" + header + udp


@dataclasses.dataclass
class Event:
    headers: dict
    body: str = ""

    def __getitem__(self, name):
        return self.headers.get(name, "")

    def __str__(self):
        fields = ("Event-Name", "Unique-ID", "Application", "Application-Data",
                  "Application-Response", "DTMF-Digit", "Hangup-Cause", "Job-Command")
        return " ".join(f"{name}={self[name]!r}" for name in fields if self[name])


class SwitchEvents:
    """The events ``names`` of the switch at ``port`` (plain format), read by a thread."""

    def __init__(self, host, port, password, names):
        self.connection = socket.create_connection((host, port), timeout=5)
        self.reader = self.connection.makefile("rb")
        self.events = queue.Queue()
        self.seen = []  # every event taken from the queue, for failure messages
        if self._frame()[0].get("Content-Type") != "auth/request":
            raise ConnectionError("no auth/request from the event socket")
        self._command(f"auth {password}")
        self._command(f"event plain {' '.join(names)}")
        self.connection.settimeout(None)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _command(self, command):
        self.connection.sendall(f"{command}\n\n".encode())
        reply = self._frame()[0].get("Reply-Text", "")
        if not reply.startswith("+OK"):
            raise ConnectionError(f"{command.split()[0]}: {reply}")

    def _frame(self):
        headers = {}
        while (line := self.reader.readline().decode(errors="replace")) not in ("\n", ""):
            key, _, value = line.partition(":")
            headers[key.strip()] = value.strip()
        if not headers:
            raise ConnectionError("the event socket closed")
        body = self.reader.read(int(headers.get("Content-Length", 0) or 0))
        return headers, body.decode(errors="replace")

    def _read(self):
        try:
            while True:
                headers, body = self._frame()
                if headers.get("Content-Type") == "text/event-plain":
                    self.events.put(_plain_event(body))
        except (OSError, ValueError):
            self.events.put(None)

    def next(self, match, timeout=10, what="the event", earlier=False):
        """The next event for which ``match(event)`` is true (others are passed over;
        ``earlier``: the first such among those passed over already, if any);
        AssertionError after ``timeout`` seconds, listing the events that came."""
        if earlier and (found := [event for event in self.seen if match(event)]):
            return found[0]
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.events.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                event = None
            if event is None:
                recent = "\n  ".join(str(e) for e in self.seen[-25:]) or "(none)"
                raise AssertionError(f"{what} did not come in {timeout} s; "
                                     f"the last events:\n  {recent}")
            self.seen.append(event)
            if match(event):
                return event

    def close(self):
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        self.thread.join(timeout=5)


def _plain_event(body):
    headers, _, rest = body.partition("\n\n")
    parsed = {}
    for line in headers.splitlines():
        key, _, value = line.partition(": ")
        parsed[key] = urllib.parse.unquote(value)
    inner = ""
    if "Content-Length" in parsed:
        inner = rest[:int(parsed["Content-Length"])]
    return Event(parsed, inner)


def executing(application, uuid=None, data=None):
    """A ``SwitchEvents.next`` match: CHANNEL_EXECUTE of ``application`` (on channel
    ``uuid``; with ``data`` in its argument)."""
    def match(event):
        return (event["Event-Name"] == "CHANNEL_EXECUTE" and event["Application"] == application
                and (uuid is None or event["Unique-ID"] == uuid)
                and (data is None or data in event["Application-Data"]))
    return match
