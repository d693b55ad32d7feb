"""A form as the person sent it and a service's refusal of it: the views read the fields
as typed, let the service validate them all (it writes nothing when it refuses), and on a
ValidationError show the page again with the values as typed and the refusal as its error."""

from flask import flash, request

from switchctl.portal.i18n import error_text


def typed(fields):
    """``{field: the value typed, stripped}`` of the POSTed form ("" for one not sent)."""
    return {field: request.form.get(field, "").strip() for field in fields}


def flash_refusal(error):
    """Show a service's refusal (a ValidationError) as the page's error (base.html shows it
    as the alert ``<p class="error">``), in the page's language."""
    flash(error_text(error), "error")
