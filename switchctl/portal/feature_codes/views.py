"""Feature codes (manual §1.8 and §2): every code of the registry as the domain's users dial
it (the admin's overrides applied) with what it does, and for an extension user the state
each code changes (do-not-disturb, the forwards); the admin's page sets and resets the
overrides through the same service functions as ``switchctl codes``."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from switchctl.models.logins import ROLE_ADMIN, ROLE_EXTENSION
from switchctl.portal.access import ANY_ROLE, roles_required
from switchctl.portal.feature_codes.descriptions import DESCRIPTIONS
from switchctl.portal.forms import flash_refusal
from switchctl.portal.i18n import error_text
from switchctl.portal.lookups import my_domain, my_extension
from switchctl.services import ValidationError, feature_codes, forwarding

blueprint = Blueprint("feature_codes", __name__, template_folder="templates")
# The forwarding type each "forward ... on" code sets.
FORWARD_CODES = {f"forward_{kind}_on": kind for kind in ("always", "busy", "no_answer")}


def dial_text(usage):
    """A code as the user dials it, its argument named in the page's language."""
    return (usage.replace("<extension>", "<%s>" % _("extension"))
            .replace("<number>", "<%s>" % _("number")))


@blueprint.app_template_filter("dial_text")
def dial_text_filter(usage):
    return dial_text(usage)


def domain_id():
    return my_domain().id


def user_state():
    """What the logged-in extension's codes have set: do-not-disturb and the forwards."""
    principal = current_user.principal
    if principal.role != ROLE_EXTENSION:
        return None
    extension = my_extension()
    return {"dnd": extension.dnd, "forwards": forwarding.forwards(extension.id)}


def refusal_text(error):
    """A refused override in the page's language, the other feature named by what it does."""
    other = error.params.get("feature")
    if other in DESCRIPTIONS:
        error = ValidationError(error.template, {**error.params, "feature": DESCRIPTIONS[other]})
    return error_text(error)


@blueprint.get("/feature-codes")
@roles_required(*ANY_ROLE)
def index():
    return render_template("feature_codes/index.html", rows=feature_codes.code_rows(domain_id()),
                           descriptions=DESCRIPTIONS, state=user_state(),
                           forward_codes=FORWARD_CODES)


@blueprint.get("/feature-codes/overrides")
@roles_required(ROLE_ADMIN)
def overrides():
    return render_template("feature_codes/overrides.html",
                           rows=feature_codes.code_rows(domain_id()), descriptions=DESCRIPTIONS)


@blueprint.post("/feature-codes/overrides")
@roles_required(ROLE_ADMIN)
def set_override():
    feature, code = request.form.get("feature", ""), request.form.get("code", "").strip()
    try:
        feature_codes.set_override(domain_id(), feature, code)
    except ValidationError as error:
        flash(refusal_text(error), "error")
        return render_template("feature_codes/overrides.html", descriptions=DESCRIPTIONS,
                               rows=feature_codes.code_rows(domain_id()),
                               typed={feature: code}), 400
    flash(_("%(feature)s is now dialled %(code)s.", feature=feature,
            code=feature_codes.domain_codes(domain_id())[feature]))
    return redirect(url_for(".overrides"))


@blueprint.post("/feature-codes/overrides/reset")
@roles_required(ROLE_ADMIN)
def reset_override():
    feature = request.form.get("feature", "")
    try:
        feature_codes.reset_override(domain_id(), feature)
    except ValidationError as error:
        flash_refusal(error)
        return redirect(url_for(".overrides"))
    flash(_("%(feature)s is back to its default code %(code)s.", feature=feature,
            code=feature_codes.BY_KEY[feature].code))
    return redirect(url_for(".overrides"))
