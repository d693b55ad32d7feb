"""What the live extension list shows, and the server-sent-events stream behind it.

``/events`` streams, for the logged-in user: a snapshot of every extension of
the domain (``extensions``), then each state change (``state``), each call
ringing at the user's own phones (``call``, with the caller's number and the
name of a contact the user may see) and the switch's link (``switch``).
"""

import json
import time

from gevent.queue import Empty

from switchctl.db import database_guard
from switchctl.esl.notifications import (EVERYONE, IncomingCall, Overflowed, StateChange,
                                         SwitchLink, domain_topic)
from switchctl.services.extensions import roster
from switchctl.services.logins import load_principal

KEEPALIVE_SECONDS = 15
RETRY_MS = 3000
UNKNOWN = "unknown"


def event(name, data):
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n"


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


def extension_rows(domain_name, live):
    """Every extension of the domain with its live state (``unknown`` without a listener)."""
    return [{"number": number, "name": name,
             "state": live.states.state(f"{number}@{domain_name}") if live else UNKNOWN}
            for number, name in roster(domain_name)]


def switch_online(live):
    return live is not None and live.listener.online.is_set()


SESSION_OK, SESSION_GONE, SESSION_UNKNOWN = "ok", "gone", "unknown"


def _session_state(key, session_id):
    """Password changed or access withdrawn ends the stream (gone); a database outage does
    not (unknown: the stream goes on and asks the database nothing more this round)."""
    with database_guard():
        return SESSION_OK if load_principal(key, session_id) is not None else SESSION_GONE
    return SESSION_UNKNOWN


def _snapshot(live, principal):
    """``(event text, roster)``: every extension with its state, and who is in the list
    (numbers and names); ``(None, None)`` while the database is away."""
    with database_guard() as failed:
        rows = extension_rows(principal.domain_name, live)
    if failed:
        return None, None
    roster = [(row["number"], row["name"]) for row in rows]
    return event("extensions", {"online": switch_online(live), "extensions": rows}), roster


def event_stream(live, principal, key):
    """The stream's text. Subscribed only once it is read (a HEAD request never is), and
    unsubscribed however it ends."""
    topics = [EVERYONE, domain_topic(principal.domain_name)]
    if principal.user:
        topics.append(principal.user)
    queue = live.hub.subscribe(*topics)  # before the snapshot: no change falls between
    try:
        text, roster = _snapshot(live, principal)
        if text is None:
            yield event("unavailable", {})  # the page retries later
            return
        yield f"retry: {RETRY_MS}\n" + text
        yield from follow(queue, lambda: _session_state(key, principal.session_id),
                          lambda: _snapshot(live, principal), roster)
    finally:
        live.hub.unsubscribe(queue)


def follow(queue, session_state, snapshot, roster):
    """Messages as events, a keep-alive when quiet, and every KEEPALIVE_SECONDS (busy or
    not) the session checked again and the list too: a fresh snapshot when extensions
    came, went or were renamed. After falling behind (``Overflowed``) a snapshot at once,
    or at the next check if the database is away then."""
    check_at = time.monotonic() + KEEPALIVE_SECONDS
    while True:
        try:
            message = queue.get(timeout=max(0.0, check_at - time.monotonic()))
        except Empty:
            message = None
        if isinstance(message, Overflowed):
            text, roster = snapshot()  # roster None when it failed: resent at the check
        else:
            text = message_event(message) if message is not None else ": keep-alive\n\n"
        if text:
            yield text
        if time.monotonic() >= check_at:
            check_at = time.monotonic() + KEEPALIVE_SECONDS
            state = session_state()
            if state == SESSION_GONE:
                yield event("logout", {})
                return
            if state == SESSION_UNKNOWN:
                continue
            fresh, now = snapshot()
            if fresh and now != roster:
                roster = now
                yield fresh
