"""Click-to-dial ("call from my desk phone"): the switch rings the user's own phone and,
once it is answered, dials the number the user clicked, in our users' dialplan context,
so that everything a dialled call meets applies (outbound permission, forwarding,
feature codes, the blacklist codes).

The command (freeswitch.commands.click_to_dial_originate) is a ``bgapi originate``: the
switch answers at once and runs the call on its own, so the page never waits for the
call. It goes on a short event-socket connection of its own (to the listener's switch,
with its password) subscribed to BACKGROUND_JOB only: a refusal the switch gives at once
(``-ERR USER_NOT_REGISTERED`` when the phone has just gone) is read for up to
ANSWER_WAIT seconds and told to the user; a phone that rings answers later, and the
connection is closed meanwhile (the switch finishes the job anyway). The leg carries
``switchctl_click_to_dial=true`` (variables.CLICK_TO_DIAL): its call record is the user's
call to the number (xml_cdr.parse), as if dialled from the phone.

Before anything is sent: the number must be DIALLABLE, the process must have a listener
and the switch be connected, the user's phone registered (the live view knows it), and
the user's last dial at least ``interval`` seconds ago, so that the portal cannot be used
to flood the switch. The calling phone is always the one given by the caller of
``call()``: the portal passes the logged-in extension, never a form field.
"""

import logging
import time
import uuid as uuid_module
from urllib.parse import unquote

import gevent
from gevent import socket

from switchctl.esl.extension_state import IDLE, IN_USE, UNAVAILABLE
from switchctl.freeswitch.commands import DIALLABLE, click_to_dial_originate

log = logging.getLogger(__name__)
RING_SECONDS = 30  # how long the user's own phone rings
INTERVAL = 3.0  # seconds between two dials of one user at least
ANSWER_WAIT = 0.5  # seconds a dial waits for a refusal the switch gives at once
CONNECT_TIMEOUT = 3.0
MAX_FRAME = 1 << 20  # a frame longer than this is not the switch's

# Why a dial was refused (DialRefused.reason); the portal says each in words.
EMPTY = "empty"
NOT_DIALLABLE = "not-dialable"
NO_LISTENER = "no-listener"
OFFLINE = "offline"
NOT_REGISTERED = "not-registered"
TOO_SOON = "too-soon"
SWITCH_ERROR = "switch-error"


class DialRefused(Exception):
    """A dial not placed; ``reason`` is one of the names above, ``cause`` what the switch
    said (SWITCH_ERROR) or the seconds to wait (TOO_SOON)."""

    def __init__(self, reason, cause=""):
        super().__init__(reason, cause)
        self.reason = reason
        self.cause = cause


class ClickToDial:
    def __init__(self, live, ring_seconds=RING_SECONDS, interval=INTERVAL,
                 answer_wait=ANSWER_WAIT, clock=time.monotonic, new_uuid=None):
        self.live = live  # a LiveView, or None: no listener in this process
        self.ring_seconds = ring_seconds
        self.interval = interval
        self.answer_wait = answer_wait
        self.clock = clock
        self.new_uuid = new_uuid or (lambda: str(uuid_module.uuid4()))
        self._last = {}  # user -> when it last dialled (clock)

    def call(self, number, domain_name, destination):
        """Ring extension ``number`` of ``domain_name`` and dial ``destination`` once it
        answers; returns the call's uuid, or raises DialRefused."""
        destination = destination.strip()
        if not destination:
            raise DialRefused(EMPTY)
        if not DIALLABLE.match(destination):
            raise DialRefused(NOT_DIALLABLE)
        if self.live is None:
            raise DialRefused(NO_LISTENER)
        user = f"{number}@{domain_name}"
        state = self.live.state(user)
        if state == UNAVAILABLE:
            raise DialRefused(NOT_REGISTERED)
        if state not in (IDLE, IN_USE):  # unknown: the switch is away
            raise DialRefused(OFFLINE)
        self._take_turn(user)
        uuid = self.new_uuid()
        command = click_to_dial_originate(uuid, number, domain_name, destination,
                                          self.ring_seconds)
        listener = self.live.listener
        try:
            result = background_job(listener.address, listener.password, command,
                                    self.answer_wait)
        except (OSError, EslError, gevent.Timeout) as exc:
            log.warning("click-to-dial: %s could not reach the switch (%s)", user, exc)
            raise DialRefused(OFFLINE) from None
        log.info("click-to-dial: %s rings for %s (call %s)", user, destination, uuid)
        if result is not None and not result.startswith("+OK"):
            cause = result.removeprefix("-ERR").strip()[:64] or "error"
            log.info("click-to-dial: the switch refused %s's call: %s", user, cause)
            if cause == "USER_NOT_REGISTERED":
                raise DialRefused(NOT_REGISTERED)
            raise DialRefused(SWITCH_ERROR, cause)
        return uuid

    def _take_turn(self, user):
        now = self.clock()
        last = self._last.get(user)
        if last is not None and now - last < self.interval:
            raise DialRefused(TOO_SOON, f"{self.interval - (now - last):.0f}")
        if len(self._last) > 10000:  # forget who dialled long ago: bounded memory
            self._last = {u: t for u, t in self._last.items() if now - t < self.interval}
        self._last[user] = now


class EslError(Exception):
    """The switch's event socket said no, or spoke what is not its protocol."""


def background_job(address, password, command, wait):
    """Send ``command`` (``bgapi ...``) on a connection of its own; the job's result text
    if it comes within ``wait`` seconds, else None (the job goes on without us)."""
    sock = socket.create_connection((address.host, address.port), timeout=CONNECT_TIMEOUT)
    reader = sock.makefile("rb")
    try:
        with gevent.Timeout(CONNECT_TIMEOUT):
            _expect(reader, "auth/request")
            _command(sock, reader, f"auth {password}")
            _command(sock, reader, "event plain BACKGROUND_JOB")
            results = {}
            reply = _command(sock, reader, command, results)
        job = reply.get("Job-UUID", "")
        if job in results:
            return results[job]
        with gevent.Timeout(wait, False):
            while job not in results:
                _keep_job(_frame(reader), results)
        return results.get(job)
    finally:
        reader.close()  # the socket's file is only closed once its reader is
        sock.close()


def _frame(reader):
    """``(headers, body)`` of the next frame."""
    headers = {}
    while True:
        line = reader.readline(MAX_FRAME)
        if not line:
            raise EslError("the event socket closed")
        line = line.decode("utf-8", "replace").rstrip("\n")
        if not line:
            if headers:
                break
            continue
        name, _, value = line.partition(": ")
        headers[name] = value
    length = headers.get("Content-Length", "0")
    if not length.isdigit() or int(length) > MAX_FRAME:
        raise EslError(f"bad Content-Length {length[:20]!r}")
    body = reader.read(int(length)) if int(length) else b""
    return headers, body.decode("utf-8", "replace")


def _expect(reader, content_type):
    headers, _ = _frame(reader)
    if headers.get("Content-Type") != content_type:
        raise EslError(f"expected {content_type}, got {headers.get('Content-Type')}")


def _command(sock, reader, text, results=None):
    """Send one command; its reply's headers (an -ERR reply raises EslError). Events that
    come first are kept in ``results`` (BACKGROUND_JOB results by job)."""
    sock.sendall(f"{text}\n\n".encode())
    while True:
        headers, body = _frame(reader)
        if headers.get("Content-Type") == "command/reply":
            if not headers.get("Reply-Text", "").startswith("+OK"):
                raise EslError(f"{text.split()[0]}: {headers.get('Reply-Text', '')[:80]}")
            return headers
        if results is not None:
            _keep_job((headers, body), results)


def _keep_job(frame, results):
    headers, body = frame
    if headers.get("Content-Type") != "text/event-plain":
        return
    inner, _, result = body.partition("\n\n")
    fields = dict(line.partition(": ")[::2] for line in inner.splitlines())
    if fields.get("Event-Name") == "BACKGROUND_JOB":
        results[unquote(fields.get("Job-UUID", ""))] = result.strip()
