"""Live pages: the extension list and the server-sent-events stream behind it.

``/events`` streams, for the logged-in user: a snapshot of every extension of
the domain (``extensions``), then each state change (``state``), each call
ringing at the user's own phones (``call``, with the caller's number and the
name of a contact the user may see) and the switch's link (``switch``).
"""

import json

import peewee
from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user, login_required
from gevent.queue import Empty

from switchctl.db import reset
from switchctl.esl.notifications import (EVERYONE, IncomingCall, StateChange, SwitchLink,
                                         domain_topic)
from switchctl.models import Extension, database
from switchctl.services.domains import find_domain
from switchctl.services.logins import load_principal

blueprint = Blueprint("live", __name__)
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
    domain = find_domain(domain_name)
    if domain is None:
        return []
    query = (Extension.select(Extension.number, Extension.name)
             .where(Extension.domain == domain).order_by(Extension.number).tuples())
    return [{"number": number, "name": name,
             "state": live.states.state(f"{number}@{domain_name}") if live else UNKNOWN}
            for number, name in query]


def switch_online(live):
    return live is not None and live.listener.online.is_set()


@blueprint.get("/extensions")
@login_required
def extensions():
    live = current_app.config["LIVE"]
    principal = current_user.principal
    return render_template("extensions.html", rows=extension_rows(principal.domain_name, live),
                           online=switch_online(live), me=principal)


@blueprint.get("/events")
@login_required
def events():
    live = current_app.config["LIVE"]
    if live is None:
        return Response("no event listener in this process\n", 503, mimetype="text/plain")
    principal = current_user.principal
    topics = [EVERYONE, domain_topic(principal.domain_name)]
    if principal.user:
        topics.append(principal.user)
    queue = live.hub.subscribe(*topics)  # before the snapshot: no change falls between
    try:
        snapshot = {"online": switch_online(live),
                    "extensions": extension_rows(principal.domain_name, live)}
    except Exception:
        live.hub.unsubscribe(queue)
        raise
    response = Response(_stream(live, queue, principal.session_id, snapshot),
                        mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold events
    return response


def _still_allowed(session_id):
    """Password changed or access withdrawn ends the stream; a database outage does not."""
    try:
        return load_principal(session_id) is not None
    except peewee.PeeweeException:
        reset(database)
        return True


def _stream(live, queue, session_id, snapshot):
    try:
        yield f"retry: {RETRY_MS}\n" + event("extensions", snapshot)
        while True:
            try:
                message = queue.get(timeout=KEEPALIVE_SECONDS)
            except Empty:
                if not _still_allowed(session_id):
                    yield event("logout", {})
                    return
                yield ": keep-alive\n\n"
                continue
            text = message_event(message)
            if text:
                yield text
    finally:
        live.hub.unsubscribe(queue)
