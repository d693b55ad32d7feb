"""The web portal (Flask): create_app builds it, one blueprint per page family.

Each family is a package with its views and its templates (``<family>/templates/<family>/``,
so no two families' pages share a name); base.html, error.html and static/ are shared.
Who may open what is decided in access.py; views find their collaborators with
context.portal_context()."""

import logging

import peewee
from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_babel import gettext as _
from flask.sessions import SecureCookieSessionInterface
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import Forbidden
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from switchctl.config import secret_key
from switchctl.db import database_failed
from switchctl.portal import (accounts, auth, blacklist, call_records, conferences, contacts,
                              departments, dial, dialer, extensions, fax, feature_codes,
                              forwarding, i18n, nav, outbound_routes, paging, queues, recordings,
                              settings, voicemail)
from switchctl.portal.access import public
from switchctl.portal.policy import CONTENT_SECURITY_POLICY
from switchctl.portal.context import KEY, PortalContext
from switchctl.portal.extensions.snapshots import Snapshots
from switchctl.portal.extensions.stream import StreamSlots
from switchctl.portal.throttle import LoginThrottle
from switchctl.portal.users import load_user

log = logging.getLogger(__name__)
# The page families, each a blueprint (nav.py lists the pages a person goes to).
FAMILIES = (auth, extensions, contacts, call_records, voicemail, recordings, fax, forwarding,
            feature_codes, settings, dial, dialer, departments, conferences, queues, blacklist,
            outbound_routes, accounts)


class RecordId(IntegerConverter):
    """``<int:...>`` in the portal's URLs: a record's id, so at most what the database
    stores (a 64-bit integer); a longer number in a URL finds no page (404), where
    SQLite would fail to take it (a 500)."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2 ** 63 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config, live_view=None):
    """The portal; ``live_view`` (a switchctl.esl.live.LiveView) feeds its live pages."""
    app = Flask(__name__)
    app.url_map.converters["int"] = RecordId  # before any route is added
    app.config.update(
        SECRET_KEY=secret_key(config), SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SECURE=config.portal_secure_cookies,
        REMEMBER_COOKIE_SECURE=config.portal_secure_cookies,
        MAX_CONTENT_LENGTH=1024 * 1024, WTF_CSRF_TIME_LIMIT=None)
    app.session_interface = SessionCookies()
    app.extensions[KEY] = PortalContext(config=config, live=live_view, throttle=LoginThrottle(),
                                        snapshots=Snapshots(live_view), streams=StreamSlots())
    if config.portal_proxies:
        # Behind N reverse proxies: believe their X-Forwarded-For (the address the
        # login throttle counts) and -Proto, and nobody else's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.portal_proxies,
                                x_proto=config.portal_proxies)
    CSRFProtect(app)
    i18n.init_app(app)
    _logins(app)
    paging.init_app(app)
    for family in FAMILIES:
        app.register_blueprint(family.blueprint)
    app.add_template_global(nav.links, "nav_links")
    app.add_template_global(nav.PAGES, "nav_pages")
    app.add_template_global(nav.ADMIN_PAGES, "nav_admin_pages")
    app.add_template_global(nav.WHOLE_WINDOW, "nav_whole_window")
    app.add_template_global(app.view_functions, "view_functions")

    @app.get("/")
    @public
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("extensions.index"))
        return redirect(url_for("auth.login"))

    _answers(app)
    return app


class SessionCookies(SecureCookieSessionInterface):
    """The session cookie is Secure on a request that came over HTTPS: directly, or so
    said by the trusted proxies (ProxyFix sets the scheme); always when the setting says."""

    def get_cookie_secure(self, app):
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)


def _logins(app):
    logins = LoginManager(app)
    logins.user_loader(load_user)

    @logins.unauthorized_handler
    def unauthorized():
        if request.path == "/events":  # an EventSource cannot follow a login redirect
            return "log in first\n", 401, {"Content-Type": "text/plain"}
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _answers(app):
    """Headers on every answer, and the error pages."""
    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if session.get("_user_id"):  # no user's page from the cache after log-out
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(Forbidden)
    def refused(error):  # access.py says why
        return error_page(app, error.description, 403)

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return error_page(app, _("The form has expired or did not come from this portal. "
                                 "Reload the page and try again."), 400)

    @app.errorhandler(peewee.PeeweeException)
    def database_down(error):
        database_failed(error, log, "portal: %s", request.path)
        return error_page(app, _("The database is not available right now. Try again in a "
                                 "moment."), 503)


def error_page(app, message, status):
    """A page that needs nothing else to work: no context processors, so no user lookup."""
    page = app.jinja_env.get_template("error.html")
    return page.render(message=message, html_lang=i18n.html_lang()), status
