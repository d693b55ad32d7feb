"""The admin's extension pages (portal/extensions/manage.py): list and search, create,
edit, delete, SIP password reset shown once, the portal switch for the domain and each
extension. Admins only; another domain's extension ids find nothing (404: the services
look records up within the admin's domain), with nothing changed."""

import io
import logging
import re

import pytest
from playhouse.test_utils import count_queries

from switchctl import portal
from switchctl.models import Department, Extension, PortalSession
from switchctl.models.logins import ROLE_ADMIN, ROLE_OPERATOR
from switchctl.passwords import sip_ha1
from switchctl.services.departments import add_department
from switchctl.services.domains import ensure_domain, portal_enabled, set_portal_enabled
from switchctl.services.extensions import add_extension, find_extension, set_portal_access
from tests.clients.portal import (ROLE_LOGINS, csrf_token, log_in, page_error, quick_account,
                                  signed_in)

LOGINS = ROLE_LOGINS
PASSWORD = re.compile(r'<code class="once" id="sip-password">([^<]+)</code>')


@pytest.fixture
def app(config, office):
    """The office's portal open to 101 and 102, admin boss and operator desk."""
    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    quick_account(office, "boss", ROLE_ADMIN, "AdminPassw0rd")
    quick_account(office, "desk", ROLE_OPERATOR, "DeskPassw0rd1")
    return portal.create_app(config)


@pytest.fixture
def other(app, office):
    """Another domain with extension 201, department Elsewhere and an admin account."""
    domain = ensure_domain("other.example")
    add_extension(domain, "201", "Faraway", "Passw0rd201", department="Elsewhere")
    quick_account(domain, "theirboss", ROLE_ADMIN, "TheirPassw0rd")
    return domain


def browser_as(app, role):
    if role is None:
        return app.test_client()
    return signed_in(app, *LOGINS[role], language=None)


@pytest.fixture
def admin(app, other):
    return browser_as(app, "admin")


def token(browser, url="/extensions/manage"):
    return csrf_token(browser.get(url).get_data(as_text=True))


def post(browser, url, **form):
    return browser.post(url, data={"csrf_token": token(browser), **form})


def text(response):
    return response.get_data(as_text=True)


def ext(office, number):
    return find_extension(office, number)


def still_logged_in(browser):
    return browser.get("/extensions").status_code == 200


NEW = {"number": "110", "name": "Henry", "email": "henry@example.com", "enabled": "1",
       "voicemail_enabled": "1", "outbound_allowed": "1", "may_monitor": "1",
       "portal_enabled": "1"}


def admin_urls(extension_id):
    base = f"/extensions/manage/{extension_id}"
    return [("GET", "/extensions/manage"), ("GET", "/extensions/manage/new"),
            ("GET", base), ("GET", f"{base}/delete"),
            ("POST", "/extensions/manage/new"), ("POST", base), ("POST", f"{base}/delete"),
            ("POST", f"{base}/password"), ("POST", f"{base}/portal"),
            ("POST", "/extensions/manage/portal"), ("GET", "/extensions/manage/import"),
            ("POST", "/extensions/manage/import")]


@pytest.mark.parametrize("role", ["operator", "extension", None])
def test_only_admins_open_or_change_anything(app, office, other, role):
    browser = browser_as(app, role)
    target = ext(office, "102")
    before = Extension.select().count(), portal_enabled(office)
    good_token = token(browser, "/login" if role is None else "/extensions")
    for method, url in admin_urls(target.id):
        if method == "GET":
            response = browser.get(url)
        else:  # with a good token, so only the role refuses it
            response = browser.post(url, data={**NEW, "confirm": "102",
                                               "csrf_token": good_token})
        if role is None:
            assert response.status_code == 302 and "/login" in response.location, url
        else:
            assert response.status_code == 403, (method, url)
    assert (Extension.select().count(), portal_enabled(office)) == before
    assert ext(office, "102").sip_ha1 == target.sip_ha1


@pytest.mark.both_databases
def test_an_admin_creates_an_extension_and_sees_its_password_once(app, admin, office, caplog):
    sales = Department.get(Department.domain == office, Department.name == "Sales")
    caplog.set_level(logging.DEBUG)
    response = post(admin, "/extensions/manage/new", **NEW, department=str(sales.id))
    assert response.status_code == 201
    password = PASSWORD.search(text(response)).group(1)
    created = ext(office, "110")
    assert created.sip_ha1 == sip_ha1("110", office.name, password)
    assert (created.name, created.email, created.department_id) == \
        ("Henry", "henry@example.com", sales.id)
    assert (created.enabled, created.voicemail_enabled, created.outbound_allowed,
            created.may_monitor, created.portal_enabled) == (True,) * 5
    # Shown once: not in a cookie (the session cookie is signed, not secret), not in the
    # log, not on any later page, not stored in the clear.
    assert password not in response.headers.get("Set-Cookie", "")
    assert password not in caplog.text
    assert password not in text(admin.get(f"/extensions/manage/{created.id}"))
    assert password not in text(admin.get("/extensions/manage"))
    assert response.headers["Cache-Control"] == "no-store"
    # The new extension logs in with it.
    assert log_in(app.test_client(), "110", password).status_code == 302


BAD_INPUT = [
    ({"number": "12a"}, "number '12a' must be 2 to 8 digits"),
    ({"number": "9123"}, "number 9123 starts with the outbound prefix 9"),
    ({"number": "101"}, "extension 101 already exists"),
    ({"number": "45"}, "number 45 is a parking slot (41-49)"),
    ({"name": "  "}, "name is required"),
    ({"name": "${x}"}, "name must be printable text of at most 80 characters without $ { } \\"),
    ({"email": "nope"}, "email 'nope' is not an address"),
    ({"department": "abc"}, "there is no such department"),
    ({"department": "99999999999999999999"}, "there is no such department")]


def test_bad_input_is_a_clear_message_and_nothing_is_stored(admin, office):
    count = Extension.select().count()
    for form, message in BAD_INPUT:
        response = post(admin, "/extensions/manage/new", **{**NEW, **form})
        assert response.status_code == 400, form
        assert page_error(text(response)) == message.replace("'", "&#39;")
        assert 'name="name" value="' in text(response)  # the form again, as typed
    assert Extension.select().count() == count


def test_a_department_of_another_domain_is_refused_in_create_and_edit(admin, office, other):
    elsewhere = Department.get(Department.domain == other)
    response = post(admin, "/extensions/manage/new", **NEW, department=str(elsewhere.id))
    assert response.status_code == 400
    assert page_error(text(response)) == "there is no such department"
    assert ext(office, "110") is None
    bob = ext(office, "102")
    response = post(admin, f"/extensions/manage/{bob.id}", name="Bob",
                    department=str(elsewhere.id))
    assert response.status_code == 400
    assert ext(office, "102").department_id == bob.department_id


def test_editing_saves_every_setting_and_withdrawn_access_logs_the_user_out(app, admin, office):
    alice = browser_as(app, "extension")  # 101 is logged in
    target = ext(office, "101")
    support = add_department(office, "Support")
    response = post(admin, f"/extensions/manage/{target.id}", name="Alice Chen",
                    email="alice@example.com", department=str(support.id), enabled="1",
                    voicemail_enabled="1")  # outbound, monitoring and portal access off
    assert response.status_code == 302
    changed = ext(office, "101")
    assert (changed.name, changed.email, changed.department_id) == \
        ("Alice Chen", "alice@example.com", support.id)
    assert (changed.outbound_allowed, changed.may_monitor, changed.portal_enabled,
            changed.voicemail_enabled, changed.enabled) == (False, False, False, True, True)
    assert changed.sip_ha1 == target.sip_ha1 and changed.number == "101"
    assert not still_logged_in(alice)
    assert not PortalSession.select().where(PortalSession.extension == target.id).exists()


def test_disabling_an_extension_ends_its_sessions(app, admin, office):
    alice = browser_as(app, "extension")
    target = ext(office, "101")
    post(admin, f"/extensions/manage/{target.id}", name="Alice", portal_enabled="1")
    assert ext(office, "101").enabled is False
    assert not still_logged_in(alice)


def test_deleting_needs_the_number_typed_and_ends_the_sessions(app, admin, office):
    alice = browser_as(app, "extension")
    target = ext(office, "101")
    page = text(admin.get(f"/extensions/manage/{target.id}/delete"))
    assert "Type the number 101 to confirm" in page
    response = post(admin, f"/extensions/manage/{target.id}/delete", confirm="102")
    assert response.status_code == 400 and ext(office, "101") is not None
    assert still_logged_in(alice)
    response = post(admin, f"/extensions/manage/{target.id}/delete", confirm="101")
    assert response.status_code == 302
    assert ext(office, "101") is None
    assert not still_logged_in(alice)
    assert "Extension 101 removed." in text(admin.get("/extensions/manage"))


def test_a_password_reset_is_shown_once_and_ends_the_old_sessions(app, admin, office, caplog):
    alice = browser_as(app, "extension")
    target = ext(office, "101")
    caplog.set_level(logging.DEBUG)
    response = post(admin, f"/extensions/manage/{target.id}/password")
    assert response.status_code == 200
    password = PASSWORD.search(text(response)).group(1)
    assert ext(office, "101").sip_ha1 == sip_ha1("101", office.name, password)
    assert password not in caplog.text and password not in response.headers.get("Set-Cookie", "")
    assert not still_logged_in(alice)
    assert log_in(app.test_client(), "101", "Passw0rd101").status_code == 401
    assert log_in(app.test_client(), "101", password).status_code == 302


def test_the_domains_portal_switch_logs_extension_users_out_but_not_admins(app, admin, office):
    alice = browser_as(app, "extension")
    assert "Switch the user portal off" in text(admin.get("/extensions/manage"))
    assert post(admin, "/extensions/manage/portal", enabled="0").status_code == 302
    assert not portal_enabled(office)
    assert not still_logged_in(alice) and still_logged_in(admin)
    assert log_in(app.test_client(), "101", "Passw0rd101").status_code != 302
    assert "Switch the user portal on" in text(admin.get("/extensions/manage"))
    post(admin, "/extensions/manage/portal", enabled="1")
    assert portal_enabled(office)
    assert log_in(app.test_client(), "101", "Passw0rd101").status_code == 302


def test_the_per_extension_switch(app, admin, office):
    alice = browser_as(app, "extension")
    target = ext(office, "101")
    response = post(admin, f"/extensions/manage/{target.id}/portal", enabled="0", q="Al",
                    page="1")
    assert response.status_code == 302 and response.location.endswith("manage?q=Al&page=1")
    assert ext(office, "101").portal_enabled is False and not still_logged_in(alice)
    eve = ext(office, "105")
    post(admin, f"/extensions/manage/{eve.id}/portal", enabled="1")
    assert log_in(app.test_client(), "105", "Passw0rd105").status_code == 302


def test_another_domains_extension_is_not_found_and_unchanged(admin, other):
    faraway = find_extension(other, "201")
    for method, url in admin_urls(faraway.id):
        if str(faraway.id) not in url:
            continue
        if method == "GET":
            response = admin.get(url)
        else:
            response = post(admin, url, **{**NEW, "confirm": "201", "enabled": "0"})
        assert response.status_code == 404, (method, url)
    after = find_extension(other, "201")
    assert (after.sip_ha1, after.name, after.enabled, after.portal_enabled) == \
        (faraway.sip_ha1, faraway.name, faraway.enabled, faraway.portal_enabled)


@pytest.mark.both_databases
def test_the_list_searches_by_number_or_name_and_pages(admin, office):
    for number in range(200, 230):
        add_extension(office, str(number), "Staff", "Passw0rd200")
    page = text(admin.get("/extensions/manage?q=ali"))
    assert re.findall(r'data-extension="(\d+)"', page) == ["101"]
    page = text(admin.get("/extensions/manage?q=21"))
    assert re.findall(r'data-extension="(\d+)"', page) == [str(n) for n in range(210, 220)]
    first = re.findall(r'data-extension="(\d+)"', text(admin.get("/extensions/manage")))
    assert len(first) == 25 and first[:2] == ["101", "102"]
    second = re.findall(r'data-extension="(\d+)"', text(admin.get("/extensions/manage?page=2")))
    assert second == [str(n) for n in range(221, 230)]
    assert "No data" in text(admin.get("/extensions/manage?q=nobody"))
    assert "No data" in text(admin.get("/extensions/manage?q=%25"))  # a wildcard is text


def test_the_list_reads_a_fixed_number_of_queries_however_many_rows(app, admin, office):
    admin.get("/extensions/manage")
    with count_queries() as few:
        admin.get("/extensions/manage")
    for number in range(300, 320):
        add_extension(office, str(number), f"Staff {number}", "Passw0rd300",
                      department=f"Dept {number}")
    with count_queries() as many:
        admin.get("/extensions/manage")
    assert many.count == few.count


def test_forms_need_their_csrf_token(admin, office):
    target = ext(office, "102")
    for method, url in admin_urls(target.id):
        if method == "POST":
            response = admin.post(url, data={**NEW, "confirm": "102", "enabled": "0"})
            assert response.status_code == 400, url
    assert ext(office, "110") is None and ext(office, "102").sip_ha1 == target.sip_ha1
    assert portal_enabled(office)


def test_the_pages_in_chinese(admin, office):
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = text(admin.get("/extensions/manage"))
    assert '<html lang="zh-Hans">' in page and "关闭用户门户" in page and "新建分机" in page
    target = ext(office, "101")
    assert "重置 SIP 密码" in text(admin.get(f"/extensions/manage/{target.id}"))
    response = post(admin, "/extensions/manage/new", **{**NEW, "number": "12a"})
    assert page_error(text(response)) == "号码“12a”必须是 2 至 8 位数字"
    response = post(admin, "/extensions/manage/new", **NEW)
    assert "分机 110 已创建" in text(response)


def upload(admin, data, name="staff.csv"):
    return admin.post("/extensions/manage/import", data={
        "csrf_token": token(admin), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data")


def test_a_csv_import_is_all_or_nothing_and_checked_by_content(admin, office):
    good = b"\xef\xbb\xbfnumber,name,password,department\n120,Ivy,Passw0rd120,Sales\n" \
        b"121,Jack,Passw0rd121,\n"
    bad = b"number,name,password\n130,Kim,Passw0rd130\n13a,Lee,Passw0rd131\n130,Max,Passw0rd132\n" \
        b"45,Nan,Passw0rd133\n102,Ola,Passw0rd134\n"
    count = Extension.select().count()
    response = upload(admin, bad)
    assert response.status_code == 400
    page = text(response)
    assert "Nothing was imported" in page_error(page)
    assert re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page) == [
        ("3", "number &#39;13a&#39; must be 2 to 8 digits"),
        ("4", "number 130 repeats line 2"), ("5", "number 45 is a parking slot (41-49)"),
        ("6", "extension 102 already exists")]
    for data, message in ((b"\xff\xfe\x00n\x00u", "The file is not CSV text in UTF-8."),
                          (b"number,name\x00", "The file is not CSV text in UTF-8."),
                          (b"x" * (512 * 1024 + 1), "The file is larger than 512 KiB.")):
        response = upload(admin, data)
        assert response.status_code == 400 and page_error(text(response)) == message
    assert Extension.select().count() == count
    response = upload(admin, good)
    assert response.status_code == 302
    assert ext(office, "120").department.name == "Sales" and ext(office, "121").name == "Jack"
    assert "2 extension(s) imported." in text(admin.get("/extensions/manage"))


def test_the_outbound_caller_id(admin, office):
    target = ext(office, "102")
    response = post(admin, f"/extensions/manage/{target.id}", name="Bob",
                    outbound_caller_id="12ab")
    assert response.status_code == 400
    assert page_error(text(response)) == \
        "caller ID 12ab must be 3 to 20 digits, optionally with +"
    post(admin, f"/extensions/manage/{target.id}", name="Bob", enabled="1",
         outbound_caller_id="+8613800000000")
    assert ext(office, "102").outbound_caller_id == "+8613800000000"
    assert 'value="+8613800000000"' in text(admin.get(f"/extensions/manage/{target.id}"))
