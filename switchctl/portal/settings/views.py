"""The settings page (``/settings``): what a login sets for itself.

Extension users: DND, voicemail on/off and its email address, the voicemail PIN, the
portal language, the desk phone's (SIP) password. Admins and operators: the portal
language, their own password, the optional TOTP second factor.

Every change is of the logged-in login's own records, found from its principal (no id
travels in a form: a forged one is simply not read). A form that types a secret (the
current password, a TOTP code) passes the login throttle, as a login would: a stolen
cookie gives no more guesses than the login page. A password changed here ends every
session of the login, this one too, and this browser gets a new session at once (a new
token: a copy of the old cookie opens nothing); turning TOTP on does the same, and asks for
the current password too (a stolen cookie cannot enrol its own secret and lock the owner
out). The secret being enrolled is never in the (signed, not encrypted) session cookie:
the session keeps a random nonce, and the secret is derived from it on the server
(services.totp.enrolment_secret).
"""

import logging

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, \
    url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.passwords import MIN_PASSWORD_LENGTH
from switchctl.portal import i18n
from switchctl.portal.access import ANY_ROLE, STAFF, roles_required
from switchctl.portal.context import portal_context
from switchctl.portal.users import PortalUser
from switchctl.services import totp
from switchctl.services import user_settings as settings
from switchctl.services.forwarding import set_dnd
from switchctl.services.logins import open_session, renewed, set_language
from switchctl.services.voicemail_settings import (PIN_MAX_LENGTH, PIN_MIN_LENGTH, PIN_MISMATCH,
                                                   PIN_NOT_DIGITS, PIN_TOO_LONG, PIN_TOO_SHORT,
                                                   PinRefused, change_pin)

log = logging.getLogger(__name__)
blueprint = Blueprint("settings", __name__, template_folder="templates")
PAGE = "settings/index.html"
ENROLLING = "totp_nonce"  # the session key of the nonce of the secret being enrolled
BROWSERS = ""  # the language choice "as the browser asks"
REFUSALS = {
    settings.BAD_EMAIL: _l("That is not an email address."),
    settings.WRONG_PASSWORD: _l("The current password is wrong."),
    settings.PASSWORDS_DIFFER: _l("The two new passwords differ."),
    settings.WEAK_PASSWORD: _l("A password has at least %(length)s printable ASCII "
                               "characters and no spaces."),
    settings.SAME_PASSWORD: _l("The new password is the one you have now."),
    PIN_NOT_DIGITS: _l("A PIN is digits only."),
    PIN_TOO_SHORT: _l("A PIN has at least %(length)s digits."),
    PIN_TOO_LONG: _l("A PIN has at most %(length)s digits."),
    PIN_MISMATCH: _l("The two PINs differ."),
}
LENGTHS = {settings.WEAK_PASSWORD: MIN_PASSWORD_LENGTH, PIN_TOO_SHORT: PIN_MIN_LENGTH,
           PIN_TOO_LONG: PIN_MAX_LENGTH}


def refusal_text(refused):
    """A Refused or PinRefused in the reader's language."""
    text = str(REFUSALS[refused.reason])
    return text % {"length": LENGTHS[refused.reason]} if refused.reason in LENGTHS else text


@blueprint.get("/settings")
@roles_required(*ANY_ROLE)
def index():
    return _page()


def _page(status=200, error=None, **values):
    principal = current_user.principal
    if error:
        flash(error, "error")
    if principal.kind == "e":
        page = {"extension": settings.extension_settings(principal.record_id)}
    else:
        account = settings.account_settings(principal.record_id)
        page = {"account": account, "enrolling": _enrolment(account, principal.domain_name)}
    choices = [(BROWSERS, _("As my browser asks")), *i18n.LANGUAGES.items()]
    return render_template(PAGE, principal=principal, language_choices=choices,
                           chosen_language=principal.language, **page, **values), status


def _enrolment(account, domain_name):
    """The secret being enrolled and its otpauth:// URI, or None."""
    secret = _pending_secret(account.id)
    if not secret or account.totp_secret:
        return None
    return {"secret": secret,
            "uri": totp.provisioning_uri(secret, account.username, domain_name)}


def _pending_secret(account_id):
    """The secret this browser is enrolling for the account (from its session's nonce), or
    None."""
    nonce = session.get(ENROLLING)
    if not isinstance(nonce, str) or not nonce:
        return None
    return totp.enrolment_secret(current_app.config["SECRET_KEY"], account_id, nonce)


def _done(message):
    flash(message)
    return redirect(url_for("settings.index"))


def _checked(field):
    return request.form.get(field) == "on"


@blueprint.post("/settings/dnd")
@roles_required(ROLE_EXTENSION)
def dnd():
    extension = settings.extension_settings(current_user.principal.record_id)
    on = _checked("dnd")
    set_dnd(extension, on)
    return _done(_("Do not disturb is on.") if on else _("Do not disturb is off."))


@blueprint.post("/settings/voicemail")
@roles_required(ROLE_EXTENSION)
def voicemail():
    email = request.form.get("email", "")
    try:
        settings.set_voicemail(current_user.principal.record_id, _checked("voicemail"), email)
    except settings.Refused as refused:
        return _page(400, refusal_text(refused), typed_email=email)
    return _done(_("Voicemail settings saved."))


@blueprint.post("/settings/pin")
@roles_required(ROLE_EXTENSION)
def pin():
    try:
        change_pin(current_user.principal.record_id, request.form.get("pin", ""),
                   request.form.get("pin_again", ""))
    except PinRefused as refused:
        return _page(400, refusal_text(refused))
    return _done(_("Voicemail PIN changed."))


@blueprint.post("/settings/language")
@roles_required(*ANY_ROLE)
def language():
    chosen = request.form.get("lang", "")
    if chosen != BROWSERS and chosen not in i18n.LANGUAGES:
        return _page(400, _("Choose one of the languages offered."))
    set_language(current_user.principal, chosen)
    if chosen == BROWSERS:
        session.pop(i18n.SESSION_KEY, None)
    else:
        session[i18n.SESSION_KEY] = chosen
    shown = chosen or i18n.BROWSER.get(
        request.accept_languages.best_match(list(i18n.BROWSER)), i18n.DEFAULT)
    with force_locale(shown):
        return _done(_("Language saved."))


# Forms that type a secret: under the login throttle.

def _guarded(change):
    """Run ``change()``, which checks a secret the user typed, as the login throttle counts a
    login: a wrong secret (settings.Refused WRONG_PASSWORD, totp.CodeRefused) stays counted,
    anything else gives its attempt back. The page to answer, or None when it succeeded."""
    principal, throttle = current_user.principal, portal_context().throttle
    address = request.remote_addr or "?"
    wait = throttle.reserve(address, principal.name)
    if wait:
        log.warning("portal: settings of %s from %s refused: locked for %s s",
                    principal.name, address, wait)
        return _page(429, _("Too many failed logins. Try again in %(seconds)s seconds.",
                            seconds=wait))
    try:
        change()
    except (settings.Refused, totp.CodeRefused) as refused:
        return _refused(refused, address, principal.name)
    except Exception:
        throttle.give_back(address, principal.name)
        raise
    throttle.succeeded(address, principal.name)
    return None


def _refused(refused, address, name):
    if isinstance(refused, totp.CodeRefused):
        return _page(400, _("That code is not right: check the authenticator app and the "
                            "device's clock."))
    if refused.reason == settings.WRONG_PASSWORD:
        log.warning("portal: settings of %s from %s: wrong current password", name, address)
    else:
        portal_context().throttle.give_back(address, name)
    return _page(400, refusal_text(refused))


def _renew(secret_hash=None):
    """This browser's new session, once every session of the login has ended."""
    principal = current_user.principal
    if secret_hash is not None:
        principal = renewed(current_app.config["SECRET_KEY"], principal, secret_hash)
    login_user(PortalUser(open_session(principal)))


def _password_form():
    form = request.form
    return form.get("current", ""), form.get("new", ""), form.get("again", "")


@blueprint.post("/settings/sip-password")
@roles_required(ROLE_EXTENSION)
def sip_password():
    return _change_password(settings.change_sip_password,
                            _("Password changed. Set the new password on your desk phone too: "
                              "until then it cannot register."))


@blueprint.post("/settings/password")
@roles_required(*STAFF)
def password():
    return _change_password(settings.change_account_password, _("Password changed."))


def _change_password(change, done):
    """The login's own password changed with ``change`` (its record id, current, new,
    again): refused as _guarded says, else the session renewed and ``done`` said."""
    changed = []
    refused = _guarded(lambda: changed.append(change(current_user.principal.record_id,
                                                     *_password_form())))
    if refused is not None:
        return refused
    _renew(changed[0])
    return _done(done)


# The TOTP second factor of accounts.

@blueprint.post("/settings/totp/start")
@roles_required(*STAFF)
def totp_start():
    if totp.has_secret(current_user.principal.record_id):
        return _page(400, _("Two-step login is on already."))
    session[ENROLLING] = totp.new_nonce()
    return redirect(url_for("settings.index", _anchor="totp"))


@blueprint.post("/settings/totp/cancel")
@roles_required(*STAFF)
def totp_cancel():
    session.pop(ENROLLING, None)
    return redirect(url_for("settings.index", _anchor="totp"))


@blueprint.post("/settings/totp/confirm")
@roles_required(*STAFF)
def totp_confirm():
    account_id = current_user.principal.record_id
    secret = _pending_secret(account_id)
    if not secret:
        return _page(400, _("Start the set-up again: no secret is waiting for its code."))
    typed = request.form.get("password", "")
    if not typed:
        return _page(400, _("Enter your current password too."))
    refused = _guarded(lambda: _check_password(account_id, typed))  # a wrong one: counted
    if refused is not None:
        return refused
    try:  # a wrong code here guesses nothing: the secret is this browser's own
        totp.enable(account_id, secret, request.form.get("code", ""))
    except totp.CodeRefused as refused:
        return _refused(refused, None, None)
    session.pop(ENROLLING, None)
    _renew()
    return _done(_("Two-step login is on: from now on a log-in asks for a code."))


@blueprint.post("/settings/totp/disable")
@roles_required(*STAFF)
def totp_disable():
    account_id = current_user.principal.record_id
    code, typed = request.form.get("code", "").strip(), request.form.get("password", "")
    if not (code or typed):
        return _page(400, _("Enter a code of your authenticator app or your password."))
    refused = _guarded(lambda: _prove(account_id, code, typed))
    if refused is not None:
        return refused
    totp.disable(account_id)
    return _done(_("Two-step login is off."))


def _prove(account_id, code, typed):
    """A right code (not used before) or the right password, else the refusal."""
    if code:
        if not totp.accept_code(account_id, code):
            raise totp.CodeRefused()
    else:
        _check_password(account_id, typed)


def _check_password(account_id, typed):
    """Nothing when ``typed`` is the account's password (checked off the event loop), else
    the refusal."""
    if not settings.check_account_password(account_id, typed):
        raise settings.Refused(settings.WRONG_PASSWORD, "the password is wrong")
