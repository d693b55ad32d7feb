"""What the live extension list shows, and the server-sent-events stream behind it.

``/events`` streams, for the logged-in user: a snapshot of every extension of
the domain (``extensions``), then each state change (``state``), each call
ringing at the user's own phones (``call``, with the caller's number and the
name of a contact the user may see) and the switch's link (``switch``, followed by a
fresh snapshot: while the switch is away every state is ``unknown``). A login may hold
MAX_STREAMS streams at once (a few tabs); more are refused.
"""

import collections
import time

from gevent.queue import Empty

from switchctl.db import database_guard
from switchctl.esl.notifications import (EVERYONE, IncomingCall, Overflowed, StateChange,
                                         SwitchLink, domain_topic)
from switchctl.portal.extensions.snapshots import event
from switchctl.services.logins import load_principal

KEEPALIVE_SECONDS = 15
RETRY_MS = 3000
MAX_STREAMS = 5
SLICE = 64 * 1024


def message_event(message):
    """The SSE text of one hub message (None for messages not for the portal)."""
    if isinstance(message, StateChange):
        return event("state", {"extension": message.user.partition("@")[0],
                               "state": message.state})
    if isinstance(message, IncomingCall):
        return event("call", {"uuid": message.uuid, "number": message.caller_number,
                              "name": message.contact_name})
    if isinstance(message, SwitchLink):
        return event("switch", {"online": message.online})
    return None


class StreamSlots:
    """How many event streams each login holds open."""

    def __init__(self, limit=MAX_STREAMS):
        self.limit = limit
        self.held = collections.Counter()

    def take(self, login):
        """A slot for one more stream of ``login``; False when it holds ``limit`` already."""
        if self.held[login] >= self.limit:
            return False
        self.held[login] += 1
        return True

    def give_back(self, login):
        self.held[login] -= 1
        if self.held[login] <= 0:
            del self.held[login]


SESSION_OK, SESSION_GONE, SESSION_UNKNOWN = "ok", "gone", "unknown"


def _session_state(key, session_id):
    """Password changed or access withdrawn ends the stream (gone); a database outage does
    not (unknown: the stream goes on and asks the database nothing more this round)."""
    with database_guard():
        return SESSION_OK if load_principal(key, session_id) is not None else SESSION_GONE
    return SESSION_UNKNOWN


def _snapshot(snapshots, principal):
    """``(event text, roster)``: every extension with its state, and who is in the list
    (shared with every stream of the domain); ``(None, None)`` while the database is away."""
    with database_guard():
        return snapshots.event(principal.domain_name)
    return None, None


def event_stream(live, snapshots, principal, key):
    """The stream's text. Subscribed only once it is read (a HEAD request never is), and
    unsubscribed however it ends."""
    topics = [EVERYONE, domain_topic(principal.domain_name)]
    if principal.user:
        topics.append(principal.user)
    queue = live.hub.subscribe(*topics)  # before the snapshot: no change falls between
    try:
        text, roster = _snapshot(snapshots, principal)
        if text is None:
            yield event("unavailable", {})  # the page retries later
            return
        yield from pieces(f"retry: {RETRY_MS}\n", text)
        yield from follow(queue, lambda: _session_state(key, principal.session_id),
                          lambda: _snapshot(snapshots, principal), roster)
    finally:
        live.hub.unsubscribe(queue)


def follow(queue, session_state, snapshot, roster):
    """Messages as events, a keep-alive when quiet, and every KEEPALIVE_SECONDS (busy or
    not) the session checked again and the list too: a fresh snapshot when extensions
    came, went or were renamed. After falling behind (``Overflowed``) a snapshot at once,
    or at the next check if the database is away then; after the switch's link changed
    (``SwitchLink``) the link's event and a snapshot (every state may have changed)."""
    check_at = time.monotonic() + KEEPALIVE_SECONDS
    while True:
        try:
            message = queue.get(timeout=max(0.0, check_at - time.monotonic()))
        except Empty:
            message = None
        head, text, roster = _text_of(message, snapshot, roster)
        yield from pieces(head, text)
        if time.monotonic() >= check_at:
            check_at = time.monotonic() + KEEPALIVE_SECONDS
            state = session_state()
            if state == SESSION_GONE:
                yield event("logout", {})
                return
            if state == SESSION_UNKNOWN:
                continue
            fresh, now = snapshot()
            if fresh and now is not roster and now != roster:
                roster = now
                yield from pieces("", fresh)


def _text_of(message, snapshot, roster):
    """``(head, snapshot, roster shown after it)`` for one message (None: nothing came); the
    snapshot is None when the message needs none. A snapshot that failed shows no roster
    (None): the next check sends it again."""
    if message is None:
        return ": keep-alive\n\n", None, roster
    if isinstance(message, Overflowed):
        return ("", *snapshot())
    if isinstance(message, SwitchLink):
        return (message_event(message), *snapshot())
    return message_event(message) or "", None, roster


def pieces(head, snapshot):
    """``head`` (text) and then the shared ``snapshot``: bytes, sent in slices of at most
    SLICE bytes so that a stream holds one slice in its buffers, not a copy of it all (200
    streams of a 10,000-extension list would otherwise hold 200 copies at once)."""
    if isinstance(snapshot, str):  # a small one, as tests build them
        head, snapshot = head + snapshot, None
    if not snapshot:
        if head:
            yield head
        return
    view = memoryview(snapshot)
    yield head.encode() + view[:SLICE]
    for start in range(SLICE, len(view), SLICE):
        yield bytes(view[start:start + SLICE])
