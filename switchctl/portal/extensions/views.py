"""The live extension list (``/extensions``) and its event stream (``/events``)."""

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from switchctl.portal.access import ANY_ROLE, roles_required
from switchctl.portal.context import portal_context
from switchctl.portal.extensions.stream import event_stream

blueprint = Blueprint("extensions", __name__, template_folder="templates")


@blueprint.get("/extensions")
@roles_required(*ANY_ROLE)
def index():
    context = portal_context()
    snapshots, principal = context.snapshots, current_user.principal
    # Parked calls as the page loads (esl/parking.py; *4# parks, <slot># retrieves).
    parked = context.live.parked(principal.domain_name) if context.live is not None else []
    return render_template("extensions/list.html", rows=snapshots.rows(principal.domain_name),
                           online=snapshots.online(), me=principal, parked=parked)


@blueprint.get("/events")
@roles_required(*ANY_ROLE)
def events():
    live = portal_context().live
    if live is None:
        return Response("no event listener in this process\n", 503, mimetype="text/plain")
    # Loading current_user read the database: were it away, this was already a 503; if it
    # goes away before the snapshot, the stream says so ("unavailable") and the page retries.
    principal = current_user.principal
    slots = portal_context().streams
    if not slots.take(principal.login):  # per login, however many sessions it opens
        return Response("too many open event streams for this login\n", 429,
                        mimetype="text/plain")
    stream = event_stream(live, portal_context().snapshots, principal,
                          current_app.config["SECRET_KEY"])
    response = Response(stream, mimetype="text/event-stream")
    # However the response ends (read to the end, cut, never read): the slot comes back.
    response.call_on_close(lambda: slots.give_back(principal.login))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold events
    return response
