"""Click-to-dial (``POST /dial``): "call from my desk phone".

The switch rings the logged-in extension's own phone and, once it is answered, dials the
number (switchctl.esl.click_to_dial). The calling phone is always the logged-in
extension: the form carries only the number to call (and where to go back to); any other
field is ignored. The answer is a redirect back with a flash, at once: the page never
waits for the call.
"""

from flask import Blueprint, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from switchctl.esl import click_to_dial
from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal.access import roles_required
from switchctl.portal.auth.views import safe_next
from switchctl.portal.context import portal_context

blueprint = Blueprint("dial", __name__, template_folder="templates")
KEY = "switchctl.dial"  # app.extensions: the process's ClickToDial (its rate limit)
MAX_FIELD = 64  # a longer number field is not shown back

REFUSALS = {
    click_to_dial.EMPTY: _l("Enter the number to call."),
    click_to_dial.NOT_DIALLABLE: _l("%(number)s is not a number to dial: use digits, *, # "
                                    "and + only, at most 32."),
    click_to_dial.NO_LISTENER: _l("Calling from your desk phone is not available: this "
                                  "portal is not connected to the phone system."),
    click_to_dial.OFFLINE: _l("The phone system is offline: try again in a moment."),
    click_to_dial.NOT_REGISTERED: _l("Your phone (extension %(extension)s) is not registered: "
                                     "switch it on or check its settings, then try again."),
    click_to_dial.TOO_SOON: _l("Wait a few seconds before the next call."),
    click_to_dial.SWITCH_ERROR: _l("The phone system could not call your phone "
                                   "(%(cause)s)."),
}


def dialer():
    """The process's ClickToDial, made on first use around the portal's live view."""
    found = current_app.extensions.get(KEY)
    if found is None:
        found = current_app.extensions[KEY] = click_to_dial.ClickToDial(portal_context().live)
    return found


@blueprint.post("/dial")
@roles_required(ROLE_EXTENSION)
def call():
    principal = current_user.principal
    number = request.form.get("number", "").strip()
    back = safe_next(request.form.get("next", "")) or url_for("extensions.index")
    try:
        dialer().call(principal.name, principal.domain_name, number)
    except click_to_dial.DialRefused as refused:
        flash(REFUSALS[refused.reason] % {
            "number": number[:MAX_FIELD], "extension": principal.name,
            "cause": refused.cause}, "error")
    else:
        flash(_("Calling %(number)s: answer your phone", number=number))
    return redirect(back)
