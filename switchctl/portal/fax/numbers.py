"""The admin's fax numbers: numbers the switch answers as a fax machine (a DID of the
trunk, or an internal number), each landing in an extension's fax log
(services/fax_numbers; ``switchctl fax number-add`` does the same)."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.fax.views import blueprint
from switchctl.portal.forms import flash_refusal
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError, fax_numbers
from switchctl.services.extensions import find_extension

FIELD_LIMIT = 32


@blueprint.get("/fax/numbers")
@roles_required(ROLE_ADMIN)
def numbers(typed=None, status=200):
    rows = fax_numbers.listing(my_domain())
    return render_template("fax/numbers.html", numbers=rows,
                           typed=typed or {"number": "", "extension": ""}), status


@blueprint.post("/fax/numbers")
@roles_required(ROLE_ADMIN)
def add_number():
    typed = {name: request.form.get(name, "").strip()[:FIELD_LIMIT]
             for name in ("number", "extension")}
    domain = my_domain()
    owner = find_extension(domain, typed["extension"])
    try:
        if owner is None:
            raise ValidationError("there is no extension %(number)s",
                                  {"number": typed["extension"] or "''"})
        fax_numbers.assign(owner, typed["number"])
    except ValidationError as error:
        flash_refusal(error)
        return numbers(typed, 400)
    flash(_("%(number)s answers as the fax of extension %(extension)s.",
            number=typed["number"], extension=owner.number))
    return redirect(url_for(".numbers"))


@blueprint.post("/fax/numbers/<int:number_id>/delete")
@roles_required(ROLE_ADMIN)
def remove_number(number_id):
    domain = my_domain()
    entry = or_404(fax_numbers.find(domain, number_id))
    fax_numbers.remove(domain, entry.number)
    flash(_("%(number)s is no longer a fax number.", number=entry.number))
    return redirect(url_for(".numbers"))
