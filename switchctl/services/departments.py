"""Departments: named groups of a domain's extensions; each is one pickup group (``*8``).

Removing a department keeps its extensions: they are left without a department (and so
in no pickup group) until assigned to another one."""

import peewee

from switchctl.models import Department, Extension, database
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.extensions import check_department_name

MAX_ASSIGN = 500


def list_departments(domain):
    """The domain's departments by name, each with ``members`` (how many extensions): one
    query (a department is a small set; its extensions are counted by their index)."""
    members = peewee.fn.COUNT(Extension.id).alias("members")
    return list(Department.select(Department, members)
                .join(Extension, peewee.JOIN.LEFT_OUTER,
                      on=(Extension.department == Department.id))
                .where(Department.domain == domain)
                .group_by(Department.id).order_by(Department.name))


def find_department(domain, name):
    """The department called ``name`` of ``domain``; ValidationError when there is none."""
    name = name.strip()
    return one_in_domain(Department, domain, ValidationError(
        "there is no department %(name)s", {"name": name}), name=name)


def department_in_domain(domain, department_id):
    """Department ``department_id`` if it is one of ``domain``'s, else None."""
    return one_in_domain(Department, domain, id=department_id)


def _checked_name(domain, name, keep=None):
    name = name.strip()
    if not name:
        raise ValidationError("a department needs a name")
    check_department_name(name)
    taken = Department.select().where(Department.domain == domain, Department.name == name)
    if keep is not None:
        taken = taken.where(Department.id != keep.id)
    if taken.exists():
        raise ValidationError("department %(name)s already exists", {"name": name})
    return name


def add_department(domain, name):
    name = _checked_name(domain, name)
    try:
        with database.atomic():
            return Department.create(domain=domain, name=name)
    except peewee.IntegrityError:  # made at the same moment by another request
        raise ValidationError("department %(name)s already exists", {"name": name}) from None


def rename_department(department, name):
    with database.atomic():
        department.name = _checked_name(department.domain_id, name, keep=department)
        department.save(only=[Department.name])
    return department


def remove_department(department):
    """Remove a department; its extensions stay, without a department. How many there were."""
    with database.atomic():
        members = (Extension.update(department=None)
                   .where(Extension.department == department.id).execute())
        department.delete_instance()
    return members


def assign(domain, department, numbers):
    """Put the extensions ``numbers`` of ``domain`` in ``department`` (None: in none), all
    or nothing; how many."""
    numbers = {number.strip() for number in numbers if number.strip()}
    if not numbers:
        raise ValidationError("name at least one extension")
    if len(numbers) > MAX_ASSIGN:
        raise ValidationError("at most %(limit)s extensions at once", {"limit": MAX_ASSIGN})
    chosen = (Extension.domain == domain) & Extension.number.in_(numbers)
    with database.atomic():
        found = {n for (n,) in Extension.select(Extension.number).where(chosen).tuples()}
        if numbers - found:
            raise ValidationError("no such extension: %(numbers)s",
                                  {"numbers": ", ".join(sorted(numbers - found))})
        target = None if department is None else department.id
        return Extension.update(department=target).where(chosen).execute()


def members(department):
    """The department's extensions by number."""
    return list(Extension.select(Extension.id, Extension.number, Extension.name)
                .where(Extension.department == department.id).order_by(Extension.number))
