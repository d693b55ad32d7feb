"""The web portal (Flask). For now it shows the service's state; the user pages follow."""

from flask import Flask, render_template

from switchctl.config import secret_key
from switchctl.models import Extension
from switchctl.services.domains import find_domain, portal_enabled


def create_app(config):
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secret_key(config)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"

    @app.get("/")
    def index():
        domain = find_domain(config.domain)
        extensions = 0 if domain is None else \
            Extension.select().where(Extension.domain == domain).count()
        enabled = domain is not None and portal_enabled(domain)
        return render_template("index.html", domain=config.domain, extensions=extensions,
                               portal_enabled=enabled)

    return app
