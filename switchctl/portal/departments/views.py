"""The admin's departments (pickup groups): list, add, rename, remove, and which
extensions are in each. Admins only; every department and extension is looked up within
the admin's own domain, so another domain's id finds nothing (404)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_ADMIN
from switchctl.portal.access import roles_required
from switchctl.portal.forms import flash_refusal
from switchctl.portal.lookups import my_domain, or_404
from switchctl.services import ValidationError
from switchctl.services import departments as department_service

blueprint = Blueprint("departments", __name__, template_folder="templates")


def domain_department(domain, department_id):
    return or_404(department_service.department_in_domain(domain, department_id))


@blueprint.get("/departments")
@roles_required(ROLE_ADMIN)
def index():
    return _list_page(my_domain())


def _list_page(domain, typed="", status=200):
    return render_template("departments/list.html", typed=typed,
                           departments=department_service.list_departments(domain)), status


@blueprint.post("/departments")
@roles_required(ROLE_ADMIN)
def add():
    domain = my_domain()
    name = request.form.get("name", "")
    try:
        department = department_service.add_department(domain, name)
    except ValidationError as error:
        flash_refusal(error)
        return _list_page(domain, name, 400)
    flash(_("Department %(name)s added.", name=department.name))
    return redirect(url_for("departments.show", department_id=department.id))


@blueprint.get("/departments/<int:department_id>")
@roles_required(ROLE_ADMIN)
def show(department_id):
    return _department_page(domain_department(my_domain(), department_id))


def _department_page(department, typed=None, status=200):
    return render_template("departments/show.html", department=department,
                           members=department_service.members(department),
                           typed=typed or {}), status


@blueprint.post("/departments/<int:department_id>/rename")
@roles_required(ROLE_ADMIN)
def rename(department_id):
    department = domain_department(my_domain(), department_id)
    name = request.form.get("name", "")
    try:
        department_service.rename_department(department, name)
    except ValidationError as error:
        flash_refusal(error)
        return _department_page(department, {"name": name}, 400)
    flash(_("Department renamed to %(name)s.", name=department.name))
    return redirect(url_for("departments.show", department_id=department.id))


@blueprint.post("/departments/<int:department_id>/assign")
@roles_required(ROLE_ADMIN)
def assign(department_id):
    """Put extensions (numbers, separated by spaces or commas) in the department."""
    domain = my_domain()
    department = domain_department(domain, department_id)
    typed = request.form.get("numbers", "")
    try:
        count = department_service.assign(domain, department, typed.replace(",", " ").split())
    except ValidationError as error:
        flash_refusal(error)
        return _department_page(department, {"numbers": typed}, 400)
    flash(_("%(count)s extension(s) now in %(name)s.", count=count, name=department.name))
    return redirect(url_for("departments.show", department_id=department.id))


@blueprint.post("/departments/<int:department_id>/release")
@roles_required(ROLE_ADMIN)
def release(department_id):
    """Take one extension out of the department (it is then in none)."""
    domain = my_domain()
    department = domain_department(domain, department_id)
    number = request.form.get("number", "")
    if number not in {member.number for member in department_service.members(department)}:
        abort(404)
    department_service.assign(domain, None, [number])
    flash(_("Extension %(number)s is in no department now.", number=number))
    return redirect(url_for("departments.show", department_id=department.id))


@blueprint.route("/departments/<int:department_id>/delete", methods=["GET", "POST"])
@roles_required(ROLE_ADMIN)
def delete(department_id):
    department = domain_department(my_domain(), department_id)
    if request.method == "GET":
        return render_template("departments/delete.html", department=department,
                               members=department_service.members(department))
    count = department_service.remove_department(department)
    flash(_("Department %(name)s removed; its %(count)s extension(s) are in no department "
            "now.", name=department.name, count=count))
    return redirect(url_for("departments.index"))
