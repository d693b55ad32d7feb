"""The switch-facing HTTP app: FreeSWITCH's xml_curl requests and CDR posts.

Only addresses in ``xml_curl_allow`` (loopback by default) may ask, with HTTP basic
credentials when ``http_credentials`` is set: the answers carry password hashes.
Whatever goes wrong while answering, FreeSWITCH gets a well-formed not-found
document with HTTP 200 at once, never a traceback or a hang.
"""

import base64
import functools
import hmac
import ipaddress
import json
import logging

from flask import Flask, Response, abort, request

from switchctl.db import database_guard
from switchctl.xml_cdr.intake import MAX_BODY as MAX_CDR_BODY
from switchctl.xml_cdr.intake import REFUSED, UNAVAILABLE, take
from switchctl.xml_curl import configuration, dialplan, directory
from switchctl.xml_curl.documents import NOT_FOUND
from switchctl.xml_curl.request import parse_body

log = logging.getLogger(__name__)
XML_PATH = "/xml_curl"
CDR_PATH = "/cdr"
STATUS_PATH = "/status"
SETTINGS_KEY = "SWITCHCTL_SETTINGS"


def create_app(config, live=None):
    """The switch-facing app; ``live`` (a switchctl.esl.live.LiveView) serves /status."""
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = MAX_CDR_BODY
    app.config[SETTINGS_KEY] = config  # for answers that need a setting (media.py)
    sections = {
        "directory": directory.answer,
        "dialplan": lambda req: dialplan.answer(req, config.domain),
        "configuration": configuration.answer,
    }
    guard = SwitchGuard(config.xml_curl_allow, config.http_credentials)

    @app.post(XML_PATH)
    def xml_curl():
        guard.check(request)
        fs_request = parse_body(posted_body())
        handler = sections.get(fs_request.section)
        return Response(_answer(handler, fs_request), mimetype="text/xml")

    @app.post(CDR_PATH)
    def xml_cdr():
        guard.check(request)
        return cdr_intake(posted_body(), request.content_type,
                          request.args.get("uuid", ""), config.domain, config.media_folder)

    @app.get(STATUS_PATH)
    def status():
        guard.check(request)
        if live is None:
            return Response('{"error": "no event listener in this process"}\n', 503,
                            mimetype="application/json")
        return Response(json.dumps(live.status(config.domain)) + "\n",
                        mimetype="application/json")

    @app.get("/healthz")
    def healthz():
        return Response("ok\n", mimetype="text/plain")

    return app


def posted_body():
    """The request body. FreeSWITCH always sends a Content-Length: then it is read
    straight from the server's input (werkzeug's stream wrapper costs more than parsing
    a lookup); without one (chunked), to its end. Over MAX_CDR_BODY is a 413."""
    length = request.content_length
    if length is None:
        return _chunked_body(request.environ["wsgi.input"])
    if length > MAX_CDR_BODY:
        abort(413)
    try:
        return request.environ["wsgi.input"].read(length)
    except OSError:  # the client went away in the middle of its body
        abort(400)


def _chunked_body(stream):
    """A body without Content-Length, read to its end but never past MAX_CDR_BODY (413).
    Not through werkzeug: its limited stream stops at the limit without a word, and the
    cut body would be refused as "not XML"."""
    parts, size = [], 0
    while size <= MAX_CDR_BODY:
        try:
            part = stream.read(min(65536, MAX_CDR_BODY + 1 - size))
        except OSError:  # the client went away in the middle of its body
            abort(400)
        if not part:
            return b"".join(parts)
        parts.append(part)
        size += len(part)
    abort(413)


def _answer(handler, fs_request):
    if handler is None:
        return NOT_FOUND
    try:
        with database_guard(log, "xml_curl: sent not-found for %s", fs_request.section):
            return handler(fs_request)
    except Exception:
        log.exception("xml_curl: error answering %s; sent not-found", fs_request.section)
    return NOT_FOUND


def cdr_intake(body, content_type, posted_uuid, default_domain, media_folder=None):
    """Store a posted CDR. 2xx only when it is stored (or was already): any other answer
    makes mod_xml_cdr retry, then keep the record in its err-log-dir (see
    xml_cdr.intake: a record that can never be stored is a 400, one that may be later a
    503). The body is recognised by content (see xml_cdr.parse.decode_body)."""
    decision = take(body, default_domain, content_type, media_folder)
    uuid = decision.uuid or posted_uuid or "?"
    if decision.done:
        log.debug("cdr %s: %s", uuid, decision.outcome)
        return Response(f"{decision.outcome}\n", 200, mimetype="text/plain")
    if decision.outcome == REFUSED:
        log.warning("cdr %s: refused: %s", uuid, decision.reason)
        return Response(f"bad CDR: {decision.reason}\n", 400, mimetype="text/plain")
    log.error("cdr %s: not stored, FreeSWITCH keeps it: %s", uuid, decision.reason)
    answer = "database unavailable" if decision.outcome == UNAVAILABLE else "not stored"
    return Response(f"{answer}\n", 503, mimetype="text/plain")


class SwitchGuard:
    """Who may talk to the switch-facing endpoints: address allow-list plus optional basic auth."""

    def __init__(self, networks, credentials):
        self.networks = networks
        self.credentials = credentials.encode() if credentials else b""

    def check(self, req):
        if not self.allowed_address(req.remote_addr):
            log.warning("xml_curl: refused request from %s (not in xml_curl_allow)",
                        req.remote_addr)
            abort(403)
        if self.credentials and not self.valid_credentials(req.headers.get("Authorization", "")):
            abort(Response("authentication required\n", 401,
                           {"WWW-Authenticate": 'Basic realm="switchctl"'}))

    @functools.lru_cache(maxsize=256)  # noqa: B019 - one guard per app, few addresses
    def allowed_address(self, address):
        try:
            ip = ipaddress.ip_address((address or "").split("%")[0])
        except ValueError:
            return False
        ip = getattr(ip, "ipv4_mapped", None) or ip
        return any(ip in network for network in self.networks)

    def valid_credentials(self, header):
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            supplied = base64.b64decode(token.strip(), validate=True)
        except ValueError:  # binascii.Error is a ValueError
            return False
        return hmac.compare_digest(supplied, self.credentials)
