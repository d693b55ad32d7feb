"""The browser dialer's server side.

``GET /phone`` (extension users): the web phone page, the dialer beside a frame where the
portal's pages open (``?page=`` the first, a path of this site; else the extension
list). A persistent frame rather than a single-page portal: the pages stay the server's
forms they are (with their CSRF tokens and no script of their own), and moving between
them in the frame keeps the dialer's connection and its call up. Its CSP lets the page
connect to the Verto address and nothing else outside.

``POST /dialer/credential`` (CSRF-checked, extension users only): what the dialer's Verto
client logs in with, made for this request: the login (``101@pbx.local``), a one-time
password good for LIFETIME seconds (services.dialer) and the Verto WebSocket's address.
The browser never holds the SIP password; the page asks again before every (re)connect.
"""

from pathlib import Path
from urllib.parse import urlsplit

from flask import (Blueprint, abort, jsonify, make_response, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_login import current_user

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal.access import roles_required
from switchctl.portal.auth.views import safe_next
from switchctl.portal.context import portal_context
from switchctl.portal.policy import CONTENT_SECURITY_POLICY
from switchctl.services import dialer

blueprint = Blueprint("dialer", __name__, template_folder="templates")
# The page's own files, for its logged-in users only (like the page).
FILES = {name: (Path(__file__).parent / "static" / name, kind) for name, kind in (
    ("verto.js", "text/javascript"), ("dialer.js", "text/javascript"),
    ("dialer.css", "text/css"))}
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


@blueprint.get("/phone")
@roles_required(ROLE_EXTENSION)
def index():
    page = safe_next(request.args.get("page", ""))
    if not page or page.startswith(("/phone", "/login", "/logout")):
        page = url_for("extensions.index")
    answer = make_response(render_template("dialer/index.html", page=page))
    answer.headers["Content-Security-Policy"] = page_policy(verto_url())
    return answer


@blueprint.get("/dialer/<name>")
@roles_required(ROLE_EXTENSION)
def file(name):
    if name not in FILES:
        abort(404)
    path, kind = FILES[name]
    return send_file(path, mimetype=kind)


def page_policy(verto):
    """The portal's policy, plus a connection to ``verto`` (its origin)."""
    parts = urlsplit(verto)
    return CONTENT_SECURITY_POLICY.replace(
        "default-src 'self';", f"default-src 'self'; connect-src 'self' "
        f"{parts.scheme}://{parts.netloc};", 1)


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
