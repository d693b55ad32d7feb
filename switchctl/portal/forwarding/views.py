"""Call forwarding (manual §1.7): the four forwarding types with the activate switch, and
follow-me. An extension user's own settings only: every service call takes the logged-in
extension, and a follow-me entry id that is not its own is a 404 with nothing changed."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from switchctl.models.forwarding import FORWARD_KINDS
from switchctl.portal.access import ROLE_EXTENSION, roles_required
from switchctl.portal.i18n import error_text
from switchctl.portal.lookups import my_extension
from switchctl.services import forwarding

blueprint = Blueprint("forwarding", __name__, template_folder="templates")

KIND_LABELS = {
    "always": _l("Forward always"),
    "busy": _l("Forward when busy"),
    "no_answer": _l("Forward on no answer"),
    "unavailable": _l("Forward when unavailable"),
}
FIELD_LABELS = {
    **KIND_LABELS,
    "ring_seconds": _l("Ring time of the extension (seconds)"),
    "new": _l("Number to add"),
    "new_timeout": _l("Timeout (seconds)"),
    "enabled": _l("Follow-me"),
}


def page(extension, values=None, status=200):
    shown = state_values(forwarding.forwards(extension.id))
    shown.update(values or {})
    return render_template("forwarding/index.html", kinds=FORWARD_KINDS, labels=KIND_LABELS,
                           values=shown, follow_me=forwarding.follow_me(extension),
                           voicemail_enabled=extension.voicemail_enabled), status


def state_values(forwards):
    values = {"activated": forwards.activated}
    for kind, rule in forwards.rules.items():
        values[f"{kind}_number"] = rule.destination
        values[f"{kind}_enabled"] = rule.enabled
    return values


def flash_errors(errors):
    for field, error in errors:
        label = FIELD_LABELS.get(field) or _("Timeout (seconds)")
        flash(_("%(field)s: %(problem)s", field=label, problem=error_text(error)), "error")


@blueprint.get("/forwarding")
@roles_required(ROLE_EXTENSION)
def index():
    return page(my_extension())


@blueprint.post("/forwarding")
@roles_required(ROLE_EXTENSION)
def save():
    form = request.form
    settings = {kind: (form.get(f"{kind}_number", ""), form.get(f"{kind}_enabled") == "on")
                for kind in FORWARD_KINDS}
    activated = form.get("activated") == "on"
    extension = my_extension()
    try:
        forwarding.save_forwards(extension, settings, activated)
    except forwarding.FormErrors as failed:
        flash_errors(failed.errors)
        submitted = {"activated": activated}
        for kind, (number, enabled) in settings.items():
            submitted.update({f"{kind}_number": number, f"{kind}_enabled": enabled})
        return page(extension, submitted, 400)
    flash(_("Call forwarding saved."))
    return redirect(url_for(".index"))


def entry_id(field):
    """The entry id of a ``timeout-<id>`` field; a field that names none is a bad request."""
    text = field[len("timeout-"):]
    if not (text.isascii() and text.isdigit()) or len(text) > 12:
        abort(400)
    return int(text)


@blueprint.post("/forwarding/follow-me")
@roles_required(ROLE_EXTENSION)
def follow_me():
    form = request.form
    timeouts = {entry_id(name): value for name, value in form.items()
                if name.startswith("timeout-")}
    new = (form.get("new_number", ""), form.get("new_timeout", ""))
    extension = my_extension()
    try:
        forwarding.save_follow_me(extension, form.get("follow_me_enabled") == "on",
                                  form.get("ring_seconds", ""), timeouts, new)
    except forwarding.NotYours:
        abort(404)
    except forwarding.FormErrors as failed:
        flash_errors(failed.errors)
        submitted = {name: value for name, value in form.items() if name != "csrf_token"}
        submitted["follow_me_enabled"] = form.get("follow_me_enabled") == "on"
        return page(extension, submitted, 400)
    flash(_("Follow-me saved."))
    return redirect(url_for(".index") + "#follow-me")


@blueprint.post("/forwarding/follow-me/<int:entry>/remove")
@roles_required(ROLE_EXTENSION)
def remove_step(entry):
    try:
        forwarding.remove_follow_me_step(my_extension(), entry)
    except forwarding.NotYours:
        abort(404)
    flash(_("Number taken off the follow-me list."))
    return redirect(url_for(".index") + "#follow-me")


@blueprint.post("/forwarding/follow-me/<int:entry>/<any(up, down):direction>")
@roles_required(ROLE_EXTENSION)
def move_step(entry, direction):
    try:
        forwarding.move_follow_me_step(my_extension(), entry, -1 if direction == "up" else 1)
    except forwarding.NotYours:
        abort(404)
    return redirect(url_for(".index") + "#follow-me")
