"""The admin's departments page (portal/departments) and ``switchctl department``: one
service (services/departments) for both. Admins only; another domain's department ids and
extension numbers find nothing (404 / a clear message), with nothing changed. Removing a
department keeps its extensions, in no department."""

import pytest

from switchctl.models import Department, Extension
from switchctl.services import departments as department_service
from switchctl.services.extensions import find_extension
from tests.clients.portal import page_error
from tests import test_portal_manage_extensions as manage
from tests.test_portal_manage_extensions import browser_as, post, text, token

app, other = manage.app, manage.other  # the same fixtures: quick accounts, another domain


@pytest.fixture
def admin(app, other):
    return browser_as(app, "admin")


def sales(domain):
    return Department.get(Department.domain == domain, Department.name == "Sales")


def department_of(domain, number):
    extension = find_extension(domain, number)
    return extension.department.name if extension.department_id else None


@pytest.mark.parametrize("role", ["operator", "extension", None])
def test_only_admins(app, office, other, role):
    browser = browser_as(app, role)
    group = sales(office)
    for url in ("/departments", f"/departments/{group.id}", f"/departments/{group.id}/delete"):
        response = browser.get(url)
        assert response.status_code == (302 if role is None else 403), url
    good = token(browser, "/login" if role is None else "/extensions")  # only the role refuses
    for url in ("/departments", f"/departments/{group.id}/rename",
                f"/departments/{group.id}/assign", f"/departments/{group.id}/release",
                f"/departments/{group.id}/delete"):
        response = browser.post(url, data={"name": "X", "numbers": "105", "number": "101",
                                           "csrf_token": good})
        assert response.status_code == (302 if role is None else 403), url
    assert [d.name for d in department_service.list_departments(office)] == ["Sales"]
    assert department_of(office, "105") is None


@pytest.mark.both_databases
def test_list_add_rename_assign_release_delete(admin, office):
    page = text(admin.get("/departments"))
    assert "Sales" in page and "<td>2</td>" in page  # 101 and 102
    response = post(admin, "/departments", name="Support")
    assert response.status_code == 302
    support = Department.get(Department.name == "Support")
    assert response.location.endswith(f"/departments/{support.id}")
    response = post(admin, f"/departments/{support.id}/assign", numbers="105, 103 101")
    assert response.status_code == 302
    assert [department_of(office, n) for n in ("101", "102", "103", "105")] == \
        ["Support", "Sales", "Support", "Support"]
    page = text(admin.get(f"/departments/{support.id}"))
    assert 'data-extension="103"' in page and 'data-extension="102"' not in page
    post(admin, f"/departments/{support.id}/release", number="103")
    assert department_of(office, "103") is None
    post(admin, f"/departments/{support.id}/rename", name="Helpdesk")
    assert Department.get_by_id(support.id).name == "Helpdesk"
    assert "in no pickup group" in text(admin.get(f"/departments/{support.id}/delete"))
    response = post(admin, f"/departments/{support.id}/delete")
    assert response.status_code == 302
    assert "its 2 extension(s) are in no department now" in text(admin.get("/departments"))
    assert department_of(office, "105") is None and find_extension(office, "105") is not None
    assert Extension.select().where(Extension.domain == office).count() == 4


BAD_INPUT = [
    ("/departments", {"name": "Sales"}, "department Sales already exists"),
    ("/departments", {"name": " "}, "a department needs a name"),
    ("/departments", {"name": "${x}"}, "a department name must be printable text of at most "
                                       "64 characters without $ { } \\"),
    ("{sales}/rename", {"name": ""}, "a department needs a name"),
    ("{sales}/assign", {"numbers": "105 777"}, "no such extension: 777"),
    ("{sales}/assign", {"numbers": "105 201"}, "no such extension: 201"),  # other domain's
    ("{sales}/assign", {"numbers": " , "}, "name at least one extension")]


def test_bad_input_is_a_clear_message_and_changes_nothing(admin, office):
    group = sales(office)
    for url, form, message in BAD_INPUT:
        response = post(admin, url.format(sales=f"/departments/{group.id}"), **form)
        assert response.status_code == 400, (url, form)
        assert page_error(text(response)) == message
    assert [(d.name, d.members) for d in department_service.list_departments(office)] == \
        [("Sales", 2)]
    assert department_of(office, "105") is None


def test_another_domains_department_is_not_found(admin, office, other):
    elsewhere = Department.get(Department.domain == other)
    base = f"/departments/{elsewhere.id}"
    for url in (base, f"{base}/delete"):
        assert admin.get(url).status_code == 404, url
    for url, form in ((f"{base}/rename", {"name": "Mine"}), (f"{base}/assign", {"numbers": "101"}),
                      (f"{base}/release", {"number": "201"}), (f"{base}/delete", {})):
        assert post(admin, url, **form).status_code == 404, url
    assert Department.get_by_id(elsewhere.id).name == "Elsewhere"
    assert department_of(other, "201") == "Elsewhere" and department_of(office, "101") == "Sales"
    # Releasing a number that is not a member of this department (102 is in Sales, 105 in none).
    group = sales(office)
    assert post(admin, f"/departments/{group.id}/release", number="105").status_code == 404


def test_csrf_and_chinese(admin, office):
    group = sales(office)
    assert admin.post("/departments", data={"name": "X"}).status_code == 400
    assert admin.post(f"/departments/{group.id}/delete").status_code == 400
    assert sales(office) is not None
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "新建部门" in text(admin.get("/departments"))
    response = post(admin, "/departments", name="Sales")
    assert page_error(text(response)) == "部门 Sales 已存在"


def test_the_cli_uses_the_same_service(office, command):
    def run(*args):
        code, out, err = command("department", *args)
        return code, out + err

    assert run("add", "Support") == (0, "added department Support\n")
    assert run("assign", "Support", "103", "105") == (0, "2 extension(s) now in Support\n")
    assert run("list") == (0, "Sales\t2\t101 102\nSupport\t2\t103 105\n")
    assert run("rename", "Support", "Helpdesk")[0] == 0
    code, said = run("assign", "Helpdesk", "999")
    assert code == 1 and "no such extension: 999" in said
    assert run("assign", "", "105") == (0, "1 extension(s) now in no department\n")
    assert run("remove", "Helpdesk") == (
        0, "removed department Helpdesk; 1 extension(s) are in no department now\n")
    code, said = run("remove", "Nowhere")
    assert code == 1 and "there is no department Nowhere" in said
    assert run("list") == (0, "Sales\t2\t101 102\n")
