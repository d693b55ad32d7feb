"""The phonebook pages (``/contacts``): the list with its search, add, edit, delete, CSV
import and CSV / vCard export, for every role.

What a login sees and may change is the service's rule (services/contacts.Phonebook):
an extension's forged id of another extension's contact finds nothing (404); a shared
contact it sees but may not change is refused here (403) and again by the service."""

from flask import (Blueprint, Response, abort, flash, redirect, render_template, request,
                   stream_with_context, url_for)
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from switchctl.portal import paging
from switchctl.portal.access import ANY_ROLE, require_owner, roles_required
from switchctl.portal.forms import flash_refusal
from switchctl.portal.i18n import error_text
from switchctl.services import ValidationError
from switchctl.services import contacts as service

blueprint = Blueprint("contacts", __name__, template_folder="templates")
FIELDS = ("phone", "name", "email", "company")
# The longest a form field may be before it is cut (the service checks the real limits).
MAX_FIELD = 1000
# How many of an import's bad rows the page lists.
SHOWN_ERRORS = 20


def phonebook():
    book = service.phonebook_of(current_user.principal)
    if book is None:
        abort(404)
    return book


def form_values():
    return {field: request.form.get(field, "")[:MAX_FIELD] for field in FIELDS}


@blueprint.get("/contacts")
@roles_required(*ANY_ROLE)
def index():
    book = phonebook()
    query = request.args.get("q", "")[:service.MAX_QUERY]
    number = paging.page_number()
    page = service.contacts_page(book, query, number)
    return render_template("contacts/list.html", page=page, query=query, number=number,
                           book=book, may_change=lambda c: service.may_change(book, c))


@blueprint.route("/contacts/new", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def add():
    book = phonebook()
    values = form_values() if request.method == "POST" else dict.fromkeys(FIELDS, "")
    if request.method == "POST":
        try:
            contact = service.add_to(book, values["name"], values["phone"], values["email"],
                                     values["company"])
        except ValidationError as error:
            flash_refusal(error)
            return render_template("contacts/form.html", values=values, contact=None,
                                   book=book), 400
        flash(_("Contact %(name)s added.", name=contact.name))
        return redirect(url_for("contacts.index"))
    return render_template("contacts/form.html", values=values, contact=None, book=book)


def changeable(book, contact_id):
    """The contact, once the login may change it: 404 when it does not see it, 403 when it
    sees it but may not change it (a shared contact, for an extension user)."""
    contact = service.find_contact(book, contact_id)
    if contact is None:
        abort(404)
    require_owner(current_user.principal.domain_name, contact.owner_id)
    return contact


@blueprint.route("/contacts/<int:contact_id>/edit", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def edit(contact_id):
    book = phonebook()
    contact = changeable(book, contact_id)
    if request.method == "GET":
        values = {field: getattr(contact, field) for field in FIELDS}
        return render_template("contacts/form.html", values=values, contact=contact, book=book)
    values = form_values()
    try:
        changed = service.update_contact(book, contact_id, values["name"], values["phone"],
                                         values["email"], values["company"])
    except ValidationError as error:
        flash_refusal(error)
        return render_template("contacts/form.html", values=values, contact=contact,
                               book=book), 400
    if not changed:  # deleted meanwhile
        abort(404)
    flash(_("Contact %(name)s saved.", name=values["name"].strip()))
    return redirect(url_for("contacts.index"))


@blueprint.post("/contacts/<int:contact_id>/delete")
@roles_required(*ANY_ROLE)
def delete(contact_id):
    book = phonebook()
    contact = changeable(book, contact_id)
    if not service.delete_contact(book, contact_id):
        abort(404)
    flash(_("Contact %(name)s deleted.", name=contact.name))
    return redirect(url_for("contacts.index"))


@blueprint.route("/contacts/import", methods=["GET", "POST"])
@roles_required(*ANY_ROLE)
def import_file():
    book = phonebook()
    if request.method == "GET":
        return import_page(book, [])
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return import_refused(book, _("Choose a CSV file to import."))
    try:
        count = service.import_csv(book, upload.read(service.MAX_IMPORT_BYTES + 1))
    except service.ImportRefused as refused:
        errors = [_("Line %(line)s: %(reason)s", line=line, reason=error_text(error))
                  for line, error in refused.errors]
        return import_refused(book, _("Nothing was imported: %(count)s rows are not right.",
                                      count=len(errors)), errors)
    except ValidationError as error:
        return import_refused(book, error_text(error))
    flash(_("%(count)s contacts imported.", count=count))
    return redirect(url_for("contacts.index"))


def import_refused(book, message, errors=(), status=400):
    flash(message, "error")
    shown = list(errors[:SHOWN_ERRORS])
    if len(errors) > SHOWN_ERRORS:
        shown.append(_("… and %(count)s more.", count=len(errors) - SHOWN_ERRORS))
    return import_page(book, shown), status


def import_page(book, errors):
    return render_template("contacts/import.html", book=book, errors=errors,
                           limit=service.MAX_IMPORT_BYTES // 1024)


@blueprint.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """A file over the portal's request limit is refused before the view runs."""
    if not current_user.is_authenticated:
        return error
    return import_refused(phonebook(), _("The file is too large: at most %(limit)s KiB.",
                                         limit=service.MAX_IMPORT_BYTES // 1024), status=413)


EXPORTS = {"csv": (service.csv_export, "text/csv", "contacts.csv"),
           "vcf": (service.vcard_export, "text/vcard", "contacts.vcf")}


@blueprint.get("/contacts/export.<kind>")
@roles_required(*ANY_ROLE)
def export(kind):
    if kind not in EXPORTS:
        abort(404)
    lines, mimetype, filename = EXPORTS[kind]
    # Streamed: read from the database in chunks as the answer is sent, never built whole.
    response = Response(stream_with_context(lines(phonebook())),
                        mimetype=f"{mimetype}; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
