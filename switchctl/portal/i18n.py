"""The portal's languages: one mechanism (Flask-Babel and gettext catalogs) for every
string a person reads, in the templates, in the Python views and in the page scripts.

English is the source language; Simplified Chinese is ``zh_Hans`` (Babel's name for the
script, whatever the region: mainland and Singapore readers alike; it is also the catalog
folder gettext finds under translations/). The language of a request: the one the user
chose with the header switch (kept in the signed session cookie), else the browser's
Accept-Language, else English.

Catalogs: the portal's shared one, ``translations/<locale>/LC_MESSAGES/messages.po``
(base.html, error.html, macros.html, the modules at the portal's top, and every message
template the services raise as ``ValidationError("... %(x)s", x=...)``), and one per page
family that has its own ``<family>/translations/`` (the strings of that family's views
and templates; one the shared catalog holds need not be repeated). Each .po is compiled
to the .mo next to it and committed (tests/test_portal_i18n.py checks they match), so a
fresh clone, an editable install and the sdist need no build step.

Logged in, the language the login chose (on the settings page or with the header switch:
stored on the extension or account, services.logins.set_language) comes first, on every
device it logs in from; "" there means the rule above."""

from pathlib import Path

from flask import Blueprint, g, redirect, request, session, url_for
from flask_babel import Babel, get_locale, gettext
from flask_login import current_user

from switchctl.portal.access import public
from switchctl.portal.auth.views import safe_next
from switchctl.services.logins import set_language

blueprint = Blueprint("i18n", __name__)
DEFAULT = "en"
# The switch offers each language in its own words.
LANGUAGES = {"en": "English", "zh_Hans": "简体中文"}
# Accept-Language tags (their primary subtag) to our locale names.
BROWSER = {"en": "en", "zh": "zh_Hans"}
SESSION_KEY = "lang"


PORTAL = Path(__file__).parent


def catalog_folders():
    """The translations folders: the shared one first, then each family's."""
    return [PORTAL / "translations", *sorted(PORTAL.glob("*/translations"))]


def init_app(app):
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = ";".join(map(str, catalog_folders()))
    Babel(app, locale_selector=select_locale, default_domain="messages")
    app.register_blueprint(blueprint)

    @app.context_processor
    def languages():
        return {"languages": LANGUAGES, "current_language": current_language(),
                "html_lang": html_lang()}


def select_locale():
    for chosen in (login_language(), session.get(SESSION_KEY)):
        if chosen in LANGUAGES:
            return chosen
    best = request.accept_languages.best_match(list(BROWSER))
    return BROWSER.get(best, DEFAULT)


def login_language():
    """The language stored on the logged-in login, once the request has loaded it (every
    view does before it renders; an error page of a request that could not falls back)."""
    principal = getattr(g.get("_login_user"), "principal", None)
    return getattr(principal, "language", "")


def current_language():
    locale = get_locale()
    name = str(locale) if locale is not None else DEFAULT
    return name if name in LANGUAGES else DEFAULT


def html_lang():
    """The BCP 47 tag for ``<html lang>`` (zh-Hans, not zh_Hans)."""
    return current_language().replace("_", "-")


@blueprint.post("/language")
@public
def choose():
    """The header's language switch (a form, so it carries the CSRF token): remembers the
    choice for this browser and returns to the page it came from."""
    chosen = request.form.get("lang", "")
    if chosen in LANGUAGES:
        session[SESSION_KEY] = chosen
        if current_user.is_authenticated:  # the login's choice, on its every device
            set_language(current_user.principal, chosen)
    return redirect(safe_next(request.form.get("next")) or url_for("index"))


def error_text(error):
    """A services.ValidationError (or any error whose message is safe to show) in the
    page's language: its template translated, then its values filled in."""
    template = getattr(error, "template", None)
    if template is None:
        return str(error)
    return gettext(template, **getattr(error, "params", {}))
