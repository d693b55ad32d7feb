"""The admin's portal accounts page (portal/accounts, services/accounts): add, change the
role, set or generate a password, delete; the domain's last admin can be neither removed
nor demoted, and an admin's own account only with the confirmation ticked. Admins only;
another domain's account ids are not found (404), nothing changed."""

import logging
import re

import pytest
from switchctl.models import PortalAccount, PortalSession
from switchctl.models.logins import ROLE_ADMIN, ROLE_OPERATOR
from switchctl.passwords import check_hash
from switchctl.services import ValidationError
from switchctl.services import accounts as account_service
from tests import test_portal_manage_extensions as manage
from tests.clients.portal import log_in, page_error, quick_account
from tests.test_portal_manage_extensions import browser_as, post, text, token

app, other = manage.app, manage.other  # quick accounts boss (admin), desk (operator)
ONCE = re.compile(r'<code class="once" id="account-password">([^<]+)</code>')
pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes quick to make


@pytest.fixture
def admin(app, other):
    return browser_as(app, "admin")


def account(domain, name):
    return PortalAccount.get_or_none(PortalAccount.domain == domain,
                                     PortalAccount.username == name)


def sessions_of(record):
    return PortalSession.select().where(PortalSession.account == record.id).count()


@pytest.mark.parametrize("role", ["operator", "extension", None])
def test_only_admins(app, office, other, role):
    browser = browser_as(app, role)
    desk = account(office, "desk")
    assert browser.get("/accounts").status_code == (302 if role is None else 403)
    refused = 302 if role is None else 403
    assert browser.get(f"/accounts/{desk.id}/delete").status_code == refused
    good = token(browser, "/login" if role is None else "/extensions")
    for url in ("/accounts", f"/accounts/{desk.id}/role", f"/accounts/{desk.id}/password",
                f"/accounts/{desk.id}/delete"):
        response = browser.post(url, data={"username": "eve", "role": "admin",
                                           "password": "Passw0rdNew", "csrf_token": good})
        assert response.status_code == (302 if role is None else 403), url
    after = account(office, "desk")
    assert (after.role, after.password_hash) == (desk.role, desk.password_hash)
    assert account(office, "eve") is None


def test_add_with_a_typed_or_a_generated_password(app, admin, office, caplog):
    caplog.set_level(logging.DEBUG)
    response = post(admin, "/accounts", username="clerk", role="operator",
                    password="ClerkPassw0rd")
    assert response.status_code == 302
    assert account(office, "clerk").role == ROLE_OPERATOR
    assert log_in(app.test_client(), "clerk", "ClerkPassw0rd").status_code == 302
    response = post(admin, "/accounts", username="second", role="admin", password="")
    assert response.status_code == 201
    password = ONCE.search(text(response)).group(1)
    assert check_hash(account(office, "second").password_hash, password)
    assert password not in caplog.text and password not in response.headers.get("Set-Cookie", "")
    assert password not in text(admin.get("/accounts"))
    assert "ClerkPassw0rd" not in caplog.text


BAD_INPUT = [
    ({"username": "1abc"}, "an account name starts with a letter and has 2 to 64 letters, "
                           "digits or . _ -"),
    ({"password": "short"}, "password must be at least 8 printable ASCII characters, "
                            "no spaces"),
    ({"password": "has a space1"}, "password must be at least 8 printable ASCII characters, "
                                   "no spaces"),
    ({"role": "root"}, "role must be one of admin, operator"),
    ({"role": "extension"}, "role must be one of admin, operator"),
    ({"username": "desk"}, "account desk already exists")]


def test_bad_input_when_adding(admin, office):
    count = PortalAccount.select().count()
    for form, message in BAD_INPUT:
        response = post(admin, "/accounts", **{"username": "clerk", "role": "operator",
                                               "password": "ClerkPassw0rd", **form})
        assert response.status_code == 400, form
        assert page_error(text(response)) == message
    assert PortalAccount.select().count() == count


def test_role_changes_and_the_last_admin(app, admin, office):
    desk, boss = account(office, "desk"), account(office, "boss")
    assert post(admin, f"/accounts/{desk.id}/role", role="admin").status_code == 302
    assert account(office, "desk").role == ROLE_ADMIN
    assert post(admin, f"/accounts/{desk.id}/role", role="operator").status_code == 302
    # boss is now the only admin: not demoted, even confirmed.
    response = post(admin, f"/accounts/{boss.id}/role", role="operator", confirm="1")
    assert response.status_code == 400
    assert page_error(text(response)) == "boss is the last admin: make another admin first"
    response = post(admin, f"/accounts/{boss.id}/delete", confirm="1")
    assert response.status_code == 400 and account(office, "boss").role == ROLE_ADMIN
    response = post(admin, f"/accounts/{desk.id}/role", role="root")
    assert page_error(text(response)) == "a role is admin or operator"


def test_an_admins_own_account_needs_the_confirmation(app, admin, office):
    quick_account(office, "deputy", ROLE_ADMIN, "DeputyPassw0rd")
    boss = account(office, "boss")
    response = post(admin, f"/accounts/{boss.id}/role", role="operator")
    assert response.status_code == 400
    assert page_error(text(response)) == \
        "this is your own account: tick the confirmation to go on"
    assert account(office, "boss").role == ROLE_ADMIN
    assert "This is my own account" in text(admin.get(f"/accounts/{boss.id}/delete"))
    assert post(admin, f"/accounts/{boss.id}/delete").status_code == 400
    assert account(office, "boss") is not None
    response = post(admin, f"/accounts/{boss.id}/role", role="operator", confirm="1")
    assert response.status_code == 302 and account(office, "boss").role == ROLE_OPERATOR
    assert admin.get("/accounts").status_code == 403  # an operator now


def test_deleting_ends_the_accounts_sessions(app, admin, office):
    desk_browser = browser_as(app, "operator")
    desk = account(office, "desk")
    assert sessions_of(desk) == 1
    assert post(admin, f"/accounts/{desk.id}/delete").status_code == 302
    assert account(office, "desk") is None and sessions_of(desk) == 0
    assert desk_browser.get("/extensions").status_code == 302


def test_a_new_password_ends_the_sessions(app, admin, office):
    desk_browser = browser_as(app, "operator")
    desk = account(office, "desk")
    response = post(admin, f"/accounts/{desk.id}/password", password="short")
    assert response.status_code == 400 and sessions_of(desk) == 1
    response = post(admin, f"/accounts/{desk.id}/password", password="")
    assert response.status_code == 200
    password = ONCE.search(text(response)).group(1)
    assert desk_browser.get("/extensions").status_code == 302
    assert log_in(app.test_client(), "desk", "DeskPassw0rd1").status_code == 401
    assert log_in(app.test_client(), "desk", password).status_code == 302
    post(admin, f"/accounts/{desk.id}/password", password="TypedPassw0rd")
    assert check_hash(account(office, "desk").password_hash, "TypedPassw0rd")


def test_another_domains_account_is_not_found(admin, other):
    theirs = account(other, "theirboss")
    assert admin.get(f"/accounts/{theirs.id}/delete").status_code == 404
    for url in (f"/accounts/{theirs.id}/role", f"/accounts/{theirs.id}/password",
                f"/accounts/{theirs.id}/delete"):
        assert post(admin, url, role="operator", password="Passw0rdNew",
                    confirm="1").status_code == 404, url
    after = account(other, "theirboss")
    assert (after.role, after.password_hash) == (theirs.role, theirs.password_hash)
    assert "theirboss" not in text(admin.get("/accounts"))


def test_csrf_and_chinese(admin, office):
    desk = account(office, "desk")
    assert admin.post(f"/accounts/{desk.id}/delete").status_code == 400
    assert admin.post("/accounts", data={"username": "x1", "role": "admin"}).status_code == 400
    assert account(office, "desk") is not None
    admin.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = text(admin.get("/accounts"))
    assert "门户账号" in page and "操作员" in page and "新建账号" in page
    boss = account(office, "boss")
    response = post(admin, f"/accounts/{boss.id}/role", role="operator", confirm="1")
    assert page_error(text(response)) == "boss 是最后一个管理员：请先设置另一个管理员"


@pytest.mark.both_databases
def test_the_service_keeps_an_admin_for_the_cli_too(office, app):
    boss, desk = account(office, "boss"), account(office, "desk")
    with pytest.raises(ValidationError, match="last admin"):
        account_service.remove_account(boss)
    with pytest.raises(ValidationError, match="last admin"):
        account_service.set_role(boss, ROLE_OPERATOR)
    account_service.set_role(desk, ROLE_ADMIN)
    account_service.set_role(boss, ROLE_OPERATOR)  # desk is an admin now
    with pytest.raises(ValidationError, match="desk is the last admin"):
        account_service.remove_account(account(office, "desk"))
    assert [(a.username, a.role) for a in account_service.list_accounts(office)] == \
        [("boss", ROLE_OPERATOR), ("desk", ROLE_ADMIN)]


def test_the_cli_runs_the_same_service(app, office, command):
    def run(*args):
        code, out, err = command("account", *args)
        return code, out + err

    assert run("list") == (0, "boss\tadmin\t-\ndesk\toperator\t-\n")
    assert run("role", "desk", "admin") == (0, "desk is now admin\n")
    code, said = run("passwd", "desk")
    password = said.split()[-1]
    assert code == 0 and check_hash(account(office, "desk").password_hash, password)
    assert run("remove", "boss") == (0, "removed account boss\n")
    code, said = run("remove", "desk")
    assert code == 1 and "desk is the last admin" in said
    code, said = run("role", "nobody", "admin")
    assert code == 1 and "there is no account nobody" in said


def test_an_admins_own_new_password_keeps_this_browser_logged_in(app, admin, office):
    elsewhere = browser_as(app, "admin")  # boss on another device
    boss = account(office, "boss")
    response = post(admin, f"/accounts/{boss.id}/password", password="NewBossPassw0rd")
    assert response.status_code == 302
    assert admin.get("/accounts").status_code == 200
    assert elsewhere.get("/accounts").status_code == 302  # to the login page
    assert sessions_of(boss) == 1
    assert log_in(app.test_client(), "boss", "NewBossPassw0rd").status_code == 302
