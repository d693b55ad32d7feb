"""The admin's fax settings (services/fax: the same as ``switchctl fax set``): each setting
with the value in force, changed together or not at all; an empty field puts the default
back."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.fax.views import blueprint
from switchctl.portal.forms import flash_refusal
from switchctl.portal.lookups import my_domain
from switchctl.services import ValidationError, fax

FIELD_LIMIT = 64
# Each setting as the page says it: what it is, and what it takes.
LABELS = {
    "fax_retries": (
        _l("Tries after the first"),
        _l("0 to 10: when the line is busy, nobody answers or the transmission fails")),
    "fax_retry_minutes": (_l("Minutes between tries"), _l("1 to 240")),
    "fax_ring_seconds": (
        _l("Ring time (seconds)"), _l("10 to 180: then it counts as not answered")),
    "fax_max_pages": (_l("Pages in one fax at most"), _l("1 to 200")),
    "fax_max_megabytes": (_l("Megabytes per file at most"), _l("1 to 50")),
    "fax_use_ecm": (_l("Error correction (ECM)"), _l("1: on, 0: off")),
    "fax_resolution": (_l("Resolution"), _l("fine or standard")),
    "fax_paper": (_l("Paper"), _l("A4 or Letter")),
    "fax_header": (
        _l("Header line"), _l("printed atop each page sent; empty: the domain's name")),
    "fax_ident": (
        _l("Station id"),
        _l("up to 20 digits, spaces and +; empty: the sender's outbound caller ID")),
}


@blueprint.get("/fax/settings")
@roles_required(ROLE_ADMIN)
def settings(typed=None, status=200):
    in_force = {key: value for key, value, _what in fax.setting_values(my_domain())}
    shown = [(key, *LABELS[key], (typed or {}).get(key, in_force[key])) for key in fax.SETTING_KEYS]
    return render_template("fax/settings.html", settings=shown), status


@blueprint.post("/fax/settings")
@roles_required(ROLE_ADMIN)
def save_settings():
    domain = my_domain()
    in_force = {key: str(value) for key, value, _what in fax.setting_values(domain)}
    typed = {key: request.form.get(key, in_force[key]).strip()[:FIELD_LIMIT]
             for key in fax.SETTING_KEYS}
    try:
        fax.set_settings(domain, {key: value for key, value in typed.items()
                                  if value != in_force[key]})
    except ValidationError as error:
        flash_refusal(error)
        return settings(typed, 400)
    flash(_("Fax settings saved."))
    return redirect(url_for(".settings"))
