"""``switchctl department list|add|rename|remove|assign``: departments (pickup groups)."""

from switchctl.cli.common import command, handles
from switchctl.services import departments as department_service


def add_parser(commands):
    actions = commands.add_parser(
        "department", help="manage departments (each is one pickup group, *8)").add_subparsers(
        dest="action", required=True)
    handles(actions.add_parser("list", help="list departments and their extensions"),
            cmd_department_list)
    command(actions, "add", cmd_department_add, "add a department", "name")
    command(actions, "rename", cmd_department_rename, "rename a department", "name", "new_name")
    command(actions, "remove", cmd_department_remove,
            "remove a department (its extensions stay, in no department)", "name")
    assign = actions.add_parser("assign", help="put extensions in a department")
    assign.add_argument("name", help="the department, or '' for none")
    assign.add_argument("numbers", nargs="+", metavar="EXTENSION")
    handles(assign, cmd_department_assign)


def cmd_department_list(domain, args):
    for department in department_service.list_departments(domain):
        numbers = " ".join(member.number for member in department_service.members(department))
        print(f"{department.name}\t{department.members}\t{numbers or '-'}")
    return 0


def cmd_department_add(domain, args):
    department = department_service.add_department(domain, args.name)
    print(f"added department {department.name}")
    return 0


def cmd_department_rename(domain, args):
    department = department_service.find_department(domain, args.name)
    department_service.rename_department(department, args.new_name)
    print(f"renamed department {args.name} to {department.name}")
    return 0


def cmd_department_remove(domain, args):
    department = department_service.find_department(domain, args.name)
    members = department_service.remove_department(department)
    print(f"removed department {department.name}; {members} extension(s) are in no "
          "department now")
    return 0


def cmd_department_assign(domain, args):
    department = department_service.find_department(domain, args.name) \
        if args.name.strip() else None
    count = department_service.assign(domain, department, args.numbers)
    where = department.name if department else "no department"
    print(f"{count} extension(s) now in {where}")
    return 0
