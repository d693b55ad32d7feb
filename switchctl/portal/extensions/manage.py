"""The admin's extension pages (``/extensions/manage``): list and search, create, edit,
delete, reset the SIP password, and the user portal's switch for the domain and for each
extension. Routes on the extensions blueprint; admins only.

Every record is looked up within the admin's own domain (services.extensions
.extension_in_domain), so an id of another domain's extension finds nothing: 404. A new
or reset password is shown once, in the answer to the POST that made it: never in a URL,
a flash (the session cookie is signed, not secret) or a log."""

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal import paging
from switchctl.portal.access import roles_required
from switchctl.portal.extensions.views import blueprint
from switchctl.portal.forms import flash_refusal
from switchctl.portal.i18n import error_text
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError
from switchctl.services import departments as department_service
from switchctl.services import domains as domain_service
from switchctl.services import extensions as extension_service

__all__ = ["blueprint"]

SEARCH_LIMIT = 64
IMPORT_LIMIT = 512 * 1024  # bytes of CSV: ~10,000 extensions


def domain_extension(domain, extension_id):
    return or_404(extension_service.extension_in_domain(domain, extension_id))


@blueprint.get("/extensions/manage")
@roles_required(ROLE_ADMIN)
def manage():
    domain = my_domain()
    search = request.args.get("q", "").strip()[:SEARCH_LIMIT]
    number = paging.page_number()
    rows, has_next = extension_service.page_of_extensions(domain, search, number)
    return render_template("extensions/manage.html", rows=rows, has_next=has_next,
                           page=number, search=search,
                           portal_on=domain_service.portal_enabled(domain))


@blueprint.post("/extensions/manage/portal")
@roles_required(ROLE_ADMIN)
def portal_switch():
    """The user portal's switch for the whole domain."""
    enabled = request.form.get("enabled") == "1"
    domain_service.set_portal_enabled(my_domain(), enabled)
    flash(_("The user portal is on.") if enabled else
          _("The user portal is off: extension users were logged out."))
    return redirect(url_for("extensions.manage"))


@blueprint.post("/extensions/manage/<int:extension_id>/portal")
@roles_required(ROLE_ADMIN)
def portal_access(extension_id):
    """The user portal's switch for one extension."""
    domain = my_domain()
    extension = domain_extension(domain, extension_id)
    enabled = request.form.get("enabled") == "1"
    extension_service.set_portal_access(domain, [extension.number], enabled)
    flash(_("Portal access of %(number)s: on.", number=extension.number) if enabled else
          _("Portal access of %(number)s: off.", number=extension.number))
    return redirect(url_for("extensions.manage", **_list_args()))


def _list_args():
    """The list's search and page, carried through a form as hidden fields."""
    return {key: request.form[key] for key in ("q", "page") if request.form.get(key)}


@blueprint.route("/extensions/manage/new", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def create():
    domain = my_domain()
    if request.method == "GET":
        return _form_page(domain, None, extension_service.ExtensionSettings(name=""), "")
    number = request.form.get("number", "").strip()
    try:
        settings = settings_from(request.form)
        extension, password = extension_service.create_extension(domain, number, settings)
    except ValidationError as error:
        flash_refusal(error)
        return _form_page(domain, None, _typed(request.form), number, 400)
    return render_template("extensions/manage_password.html", extension=extension,
                           password=password, created=True), 201


@blueprint.route("/extensions/manage/<int:extension_id>", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def edit(extension_id):
    domain = my_domain()
    extension = domain_extension(domain, extension_id)
    if request.method == "GET":
        return _form_page(domain, extension, extension_service.settings_of(extension),
                          extension.number)
    try:
        extension_service.update_extension(extension, settings_from(request.form))
    except ValidationError as error:
        flash_refusal(error)
        return _form_page(domain, extension, _typed(request.form), extension.number, 400)
    flash(_("Extension %(number)s saved.", number=extension.number))
    return redirect(url_for("extensions.manage"))


@blueprint.route("/extensions/manage/<int:extension_id>/delete", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def delete(extension_id):
    extension = domain_extension(my_domain(), extension_id)
    if request.method == "GET":
        return render_template("extensions/manage_delete.html", extension=extension)
    if request.form.get("confirm", "").strip() != extension.number:
        flash(_("Type the extension's number to confirm."), "error")
        return render_template("extensions/manage_delete.html", extension=extension), 400
    extension_service.delete_extension(extension)
    flash(_("Extension %(number)s removed.", number=extension.number))
    return redirect(url_for("extensions.manage"))


@blueprint.post("/extensions/manage/<int:extension_id>/password")
@roles_required(ROLE_ADMIN)
def reset_password(extension_id):
    extension = domain_extension(my_domain(), extension_id)
    password = extension_service.reset_password(extension)
    return render_template("extensions/manage_password.html", extension=extension,
                           password=password, created=False)


@blueprint.route("/extensions/manage/import", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def import_csv():
    """Extensions from a CSV file (``switchctl extension import``): all or none."""
    if request.method == "GET":
        return render_template("extensions/manage_import.html", errors=[])
    try:
        text = _uploaded_text(request.files.get("file"))
        report = extension_service.import_csv(my_domain(), text)
    except extension_service.ImportRejected as rejected:
        flash(_("Nothing was imported: correct these lines and send the file again."), "error")
        errors = [(line, error_text(message)) for line, message in rejected.errors]
        return render_template("extensions/manage_import.html", errors=errors), 400
    except UploadRefused as refused:
        flash(str(refused), "error")
        return render_template("extensions/manage_import.html", errors=[]), 400
    flash(_("%(count)s extension(s) imported.", count=report.created))
    return redirect(url_for("extensions.manage"))


class UploadRefused(Exception):
    """An uploaded file refused for what it holds; the message is translated."""


def _uploaded_text(upload):
    """The uploaded file as text, checked by its content: UTF-8 text, no NUL, not too big."""
    if upload is None or not upload.filename:
        raise UploadRefused(_("Choose a CSV file to import."))
    data = upload.stream.read(IMPORT_LIMIT + 1)
    if len(data) > IMPORT_LIMIT:
        raise UploadRefused(_("The file is larger than %(limit)s KiB.",
                              limit=IMPORT_LIMIT // 1024))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = "\0"
    if "\0" in text or not text.strip():
        raise UploadRefused(_("The file is not CSV text in UTF-8."))
    return text


def settings_from(form):
    """The ExtensionSettings a form says (a department by id: the service checks it is of
    the admin's domain)."""
    department = form.get("department", "").strip()
    if department and not _is_id(department):
        raise ValidationError("there is no such department")
    return _settings(form, int(department) if department else None)


def _typed(form):
    """What the admin typed, to show again with the error (nothing stored)."""
    department = form.get("department", "")
    return _settings(form, int(department) if _is_id(department) else None)


def _is_id(text):
    return text.isascii() and text.isdigit() and len(text) <= 9


def _settings(form, department_id):
    return extension_service.ExtensionSettings(
        name=form.get("name", ""), email=form.get("email", ""), department_id=department_id,
        outbound_caller_id=form.get("outbound_caller_id", ""),
        **{flag: form.get(flag) == "1" for flag in extension_service.FLAGS})


def _form_page(domain, extension, settings, number, status=200):
    return render_template("extensions/manage_form.html", extension=extension,
                           settings=settings, number=number,
                           departments=department_service.list_departments(domain),
                           portal_on=domain_service.portal_enabled(domain)), status
