"""The views of logging in and out: the form, the throttle, the ``next`` page, and the
second step (a TOTP code) of an account that has one.

The second step: a right password of such an account opens no session yet; the signed
session cookie holds the principal for PENDING_SECONDS, and the login page asks for the
code meanwhile (``/login?again=1`` starts over). The throttle counts a wrong code as it
counts a wrong password (under the same name and address), and forgets the name's failures
only once the code is right too, so knowing the password gives no more guesses at the code."""

import dataclasses
import logging
import time
from urllib.parse import urlsplit

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired, Length

from switchctl.passwords import check_hash
from switchctl.pool import run_hashing
from switchctl.portal.access import ANY_ROLE, public, roles_required
from switchctl.portal.context import portal_context
from switchctl.portal.users import PortalUser
from switchctl.services.domains import find_domain, portal_enabled
from switchctl.services.logins import (LoginRefused, Principal, authenticate, end_session,
                                       login_name, open_session)
from switchctl.services.totp import DIGITS, accept_code, has_secret

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__, template_folder="templates")
LOGIN_PAGE = "auth/login.html"
CODE_PAGE = "auth/code.html"
PENDING = "pending_login"  # the session key of a login waiting for its code
PENDING_SECONDS = 300
ENROLLING = "totp_nonce"  # settings.views: the nonce of a TOTP secret being enrolled


class LoginForm(FlaskForm):
    username = StringField(_l("Extension number"), validators=[InputRequired(), Length(max=64)])
    password = PasswordField(_l("Password"), validators=[InputRequired(), Length(max=128)])


class CodeForm(FlaskForm):
    code = StringField(_l("Code"), validators=[InputRequired(), Length(max=16)])


# The services' LoginRefused messages (English, stable: safe to show), in the reader's
# language; a message not listed here shows as it is.
REFUSALS = {
    "wrong extension number or password": _l("wrong extension number or password"),
    "this portal has no such domain": _l("this portal has no such domain"),
    "the portal is not open to this extension; ask your administrator":
        _l("the portal is not open to this extension; ask your administrator"),
}


def safe_next(target):
    """Only a plain path on this site: never an open redirect, never a header break."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if not target.isascii() or not target.isprintable() or " " in target:
        return None
    return target if not urlsplit(target).netloc else None


def check_in_thread(stored, password):
    """The account hash check in a worker thread: it is slow on purpose, and the
    process's one event loop also answers FreeSWITCH."""
    return run_hashing(check_hash, stored, password)


@blueprint.route("/login", methods=["GET", "POST"])
@public
def login():
    """The login page: the password; then, for an account with TOTP, the code (the page's
    second step, while the session cookie holds the login waiting for it)."""
    if current_user.is_authenticated:
        return redirect(url_for("extensions.index"))
    if request.args.get("again"):
        session.pop(PENDING, None)
    principal, next_page = _pending()
    if principal is not None and (request.method == "GET" or "code" in request.form):
        return _code_step(principal, next_page)
    return _password_step()


def _password_step():
    context = portal_context()
    domain = find_domain(context.config.domain)
    form = LoginForm()
    page = {"form": form, "open": domain is not None and portal_enabled(domain)}
    if request.method == "GET":
        return render_template(LOGIN_PAGE, **page)
    if not form.validate():
        error = _("Enter your extension number and password.")
        return render_template(LOGIN_PAGE, error=error, **page), 400
    address, name = request.remote_addr or "?", login_name(form.username.data)
    wait = context.throttle.reserve(address, name)  # counted before it is checked
    if wait:
        log.warning("portal: login for %r from %s refused: locked for %s s", name, address,
                    wait)
        error = _("Too many failed logins. Try again in %(seconds)s seconds.", seconds=wait)
        return render_template(LOGIN_PAGE, error=error, **page), 429
    try:
        principal = authenticate(current_app.config["SECRET_KEY"], context.config.domain, name,
                                 form.password.data, slow_check=check_in_thread)
    except LoginRefused as refused:  # the reserved attempt stays counted
        log.warning("portal: login for %r from %s refused: %s", name, address, refused)
        return render_template(LOGIN_PAGE, error=_(
            "Login refused: %(reason)s.", reason=REFUSALS.get(str(refused), str(refused))),
            **page), 401
    except Exception:  # no answer (the database is away): not a guess
        context.throttle.give_back(address, name)
        raise
    if principal.kind == "a" and has_secret(principal.record_id):
        context.throttle.give_back(address, name)  # not a wrong guess; the failures stay
        session[PENDING] = {"principal": dataclasses.asdict(principal), "at": time.time(),
                            "next": safe_next(request.args.get("next"))}
        return redirect(url_for("auth.login"))
    return _logged_in(principal, address, name, request.args.get("next"))


def _logged_in(principal, address, name, next_page):
    portal_context().throttle.succeeded(address, name)
    session.pop(ENROLLING, None)  # another login's, left in this browser
    login_user(PortalUser(open_session(principal)))
    return redirect(safe_next(next_page) or url_for("extensions.index"))


def _pending():
    """The principal whose password was right and whose code is awaited, or None."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop(PENDING, None)
        return None, None
    return Principal(**pending["principal"]), pending.get("next")


def _code_step(principal, next_page):
    """The second step of an account with TOTP: its authenticator's code."""
    if not has_secret(principal.record_id):  # turned off meanwhile (totp-reset)
        session.pop(PENDING, None)
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if request.method == "GET":
        return render_template(CODE_PAGE, form=form, digits=DIGITS)
    if not form.validate():
        return _code_refused(form, _("Enter the %(digits)s-digit code of your authenticator "
                                     "app.", digits=DIGITS), 400)
    address, name = request.remote_addr or "?", principal.name
    throttle = portal_context().throttle
    wait = throttle.reserve(address, name)
    if wait:
        log.warning("portal: code for %r from %s refused: locked for %s s", name, address, wait)
        return _code_refused(form, _("Too many failed logins. Try again in %(seconds)s "
                                     "seconds.", seconds=wait), 429)
    try:
        right = accept_code(principal.record_id, form.code.data)
    except Exception:  # no answer (the database is away): not a guess
        throttle.give_back(address, name)
        raise
    if not right:  # the reserved attempt stays counted
        log.warning("portal: login for %r from %s refused: wrong or used code", name, address)
        return _code_refused(form, _("Login refused: the code is wrong or was used "
                                     "already."), 401)
    session.pop(PENDING, None)
    return _logged_in(principal, address, name, next_page)


def _code_refused(form, error, status):
    return render_template(CODE_PAGE, form=form, digits=DIGITS, error=error), status


@blueprint.post("/logout")
@roles_required(*ANY_ROLE)
def logout():
    end_session(current_user.principal.session_id)  # a copy of the cookie opens nothing
    session.pop(ENROLLING, None)
    logout_user()
    return redirect(url_for("auth.login"))
