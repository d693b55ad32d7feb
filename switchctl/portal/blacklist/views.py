"""The admin's blacklist (manual §2.5): outside numbers that may not call in, paged and
searched; the phone's ``*75``/``*76``/``*075`` change the same list (services/blacklist)."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal import paging
from switchctl.portal.access import roles_required
from switchctl.portal.forms import flash_refusal
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError, blacklist

blueprint = Blueprint("blacklist", __name__, template_folder="templates")
MAX_SEARCH = 32


@blueprint.get("/blacklist")
@roles_required(ROLE_ADMIN)
def index(number="", status=200):
    search = request.args.get("q", "").strip()[:MAX_SEARCH]
    page = paging.page_number()
    rows, has_next = blacklist.entries(my_domain(), search, page)
    return render_template("blacklist/list.html", entries=rows, has_next=has_next, page=page,
                           search=search, number=number), status


@blueprint.post("/blacklist")
@roles_required(ROLE_ADMIN)
def add():
    number = request.form.get("number", "").strip()
    try:
        added = blacklist.add(my_domain(), number)
    except ValidationError as error:
        flash_refusal(error)
        return index(number, 400)
    flash(_("%(number)s is blacklisted.", number=number) if added else
          _("%(number)s was blacklisted already.", number=number))
    return redirect(url_for(".index"))


@blueprint.post("/blacklist/<int:entry_id>/delete")
@roles_required(ROLE_ADMIN)
def remove(entry_id):
    entry = or_404(blacklist.find_entry(my_domain(), entry_id))
    blacklist.remove(entry.domain_id, entry.number)
    flash(_("%(number)s may call in again.", number=entry.number))
    return redirect(url_for(".index"))
