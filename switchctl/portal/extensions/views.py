"""The live extension list (``/extensions``) and its event stream (``/events``)."""

from flask import Blueprint, Response, current_app, render_template
from flask_login import current_user

from switchctl.portal.access import ANY_ROLE, roles_required
from switchctl.portal.context import portal_context
from switchctl.portal.extensions.stream import event_stream, extension_rows, switch_online

blueprint = Blueprint("extensions", __name__, template_folder="templates")


@blueprint.get("/extensions")
@roles_required(*ANY_ROLE)
def index():
    live = portal_context().live
    principal = current_user.principal
    return render_template("extensions/list.html",
                           rows=extension_rows(principal.domain_name, live),
                           online=switch_online(live), me=principal)


@blueprint.get("/events")
@roles_required(*ANY_ROLE)
def events():
    live = portal_context().live
    if live is None:
        return Response("no event listener in this process\n", 503, mimetype="text/plain")
    # Loading current_user read the database: were it away, this was already a 503; if it
    # goes away before the snapshot, the stream says so ("unavailable") and the page retries.
    principal = current_user.principal
    response = Response(event_stream(live, principal, current_app.config["SECRET_KEY"]),
                        mimetype="text/event-stream")
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Accel-Buffering"] = "no"  # a proxy in front must not hold events
    return response
