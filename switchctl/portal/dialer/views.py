"""The browser dialer's server side.

``POST /dialer/credential`` (CSRF-checked, extension users only): what the dialer's Verto
client logs in with, made for this request: the login (``101@pbx.local``), a one-time
password good for LIFETIME seconds (services.dialer) and the Verto WebSocket's address.
The browser never holds the SIP password; the page asks again before every (re)connect.
"""

from urllib.parse import urlsplit

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal.access import roles_required
from switchctl.portal.context import portal_context
from switchctl.services import dialer

blueprint = Blueprint("dialer", __name__, template_folder="templates")
PLAIN_PORT, SECURE_PORT = 8081, 8082  # freeswitch-conf/vars.xml verto_port, verto_secure_port


def verto_url():
    """Where this page's browser reaches mod_verto: the configured address, else the
    host it opened the portal at, ws for an http page, wss for an https one (an https
    page may not open a plain ws)."""
    configured = portal_context().config.verto_url
    if configured:
        return configured
    host = urlsplit(f"//{request.host}").hostname or "localhost"
    host = f"[{host}]" if ":" in host else host
    if request.scheme == "https":
        return f"wss://{host}:{SECURE_PORT}"
    return f"ws://{host}:{PLAIN_PORT}"


@blueprint.post("/dialer/credential")
@roles_required(ROLE_EXTENSION)
def credential():
    principal = current_user.principal
    issued = dialer.issue(principal.session_id, principal.record_id)
    if issued is None:  # the session ended since this request was let in
        return jsonify(error=_("Your portal session has ended: log in again.")), 401
    token, _expires = issued
    answer = jsonify(login=principal.user, password=token, url=verto_url(),
                     lifetime=int(dialer.LIFETIME.total_seconds()))
    answer.headers["Cache-Control"] = "no-store"
    return answer
