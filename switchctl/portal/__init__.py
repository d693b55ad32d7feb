"""The web portal (Flask): logins, the live extension list and its event stream."""

import logging

import peewee
from flask import Flask, redirect, request, session, url_for
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from switchctl.portal import auth, live
from switchctl.portal.throttle import LoginThrottle
from switchctl.portal.users import load_user
from switchctl.config import secret_key
from switchctl.db import database_failed

log = logging.getLogger(__name__)
# Scripts and styles come from our own static folder only: no inline code can run.
CONTENT_SECURITY_POLICY = ("default-src 'self'; img-src 'self' data:; base-uri 'none'; "
                           "form-action 'self'; frame-ancestors 'none'")


def create_app(config, live_view=None):
    """The portal; ``live_view`` (a switchctl.esl.live.LiveView) feeds its live pages."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=secret_key(config), SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax", REMEMBER_COOKIE_HTTPONLY=True,
        MAX_CONTENT_LENGTH=1024 * 1024, WTF_CSRF_TIME_LIMIT=None,
        SWITCHCTL=config, LIVE=live_view, LOGIN_THROTTLE=LoginThrottle())
    if config.portal_proxies:
        # Behind N reverse proxies: believe their X-Forwarded-For (the address the
        # login throttle counts) and -Proto, and nobody else's.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=config.portal_proxies,
                                x_proto=config.portal_proxies)
    CSRFProtect(app)
    logins = LoginManager(app)
    logins.user_loader(load_user)

    @logins.unauthorized_handler
    def unauthorized():
        if request.path == "/events":  # an EventSource cannot follow a login redirect
            return "log in first\n", 401, {"Content-Type": "text/plain"}
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    app.register_blueprint(auth.blueprint)
    app.register_blueprint(live.blueprint)

    @app.get("/")
    def index():
        if current_user.is_authenticated:
            return redirect(url_for("live.extensions"))
        return redirect(url_for("auth.login"))

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if session.get("_user_id"):  # no user's page from the cache after log-out
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.errorhandler(CSRFError)
    def csrf_refused(error):
        return error_page(app, "The form has expired or did not come from this portal. Reload "
                          "the page and try again.", 400)

    @app.errorhandler(peewee.PeeweeException)
    def database_down(error):
        database_failed(error, log, "portal: %s", request.path)
        return error_page(app, "The database is not available right now. Try again in a "
                          "moment.", 503)

    return app


def error_page(app, message, status):
    """A page that needs nothing else to work: no context processors, so no user lookup."""
    return app.jinja_env.get_template("error.html").render(message=message), status
