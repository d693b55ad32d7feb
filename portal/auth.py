"""Logging in and out: extension users and admin/operator accounts."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from portal.users import PortalUser
from switchctl.services.domains import find_domain, portal_enabled
from switchctl.services.logins import LoginRefused, authenticate

blueprint = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    username = StringField("Extension number", validators=[InputRequired(), Length(max=64)])
    password = PasswordField("Password", validators=[InputRequired(), Length(max=128)])


def safe_next(target):
    """Only a path on this site: never an open redirect."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target if not urlsplit(target).netloc else None


@blueprint.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("live.extensions"))
    settings = current_app.config["SWITCHCTL"]
    throttle = current_app.config["LOGIN_THROTTLE"]
    domain = find_domain(settings.domain)
    form = LoginForm()
    page = {"form": form, "open": domain is not None and portal_enabled(domain)}
    if request.method == "GET":
        return render_template("login.html", **page)
    if not form.validate():
        return render_template("login.html", error=_form_error(form), **page), 400
    address, name = request.remote_addr or "?", form.username.data
    wait = throttle.wait_seconds(address, name)
    if wait:
        return render_template("login.html", error=f"Too many failed logins. Try again in "
                               f"{wait} seconds.", **page), 429
    try:
        principal = authenticate(settings.domain, name, form.password.data)
    except LoginRefused as refused:
        throttle.failed(address, name)
        return render_template("login.html", error=f"Login refused: {refused}.", **page), 401
    throttle.succeeded(address, name)
    login_user(PortalUser(principal))
    return redirect(safe_next(request.args.get("next")) or url_for("live.extensions"))


def _form_error(form):
    if form.csrf_token.errors:
        return "The form has expired; please log in again."
    return "Enter your extension number and password."


@blueprint.post("/logout")
@login_required
def logout():
    logout_user()
    return redirect(url_for("auth.login"))
