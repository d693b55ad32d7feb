"""Every route of the portal, found in its URL map (so a new page is covered the day it is
added): each role gets the pages it may open and is refused the others; without a login a
page sends to the login page; no form is taken without its CSRF token; every page renders
in Chinese. The page families' own tests try forged record ids."""

import pytest
from werkzeug.routing import IntegerConverter

from switchctl import portal
from switchctl.models.logins import ROLE_OPERATOR, ROLES
from switchctl.portal.access import PAGE_REFUSED, PUBLIC, access_of
from switchctl.services.logins import add_account
from tests.clients.portal import ROLE_LOGINS, csrf_token, log_in, open_portal, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

LOGINS = ROLE_LOGINS
# Not pages: the event stream (tests/test_portal_events.py) and the header's forms.
NOT_PAGES = {"extensions.events", "static"}


def rules(app, method):
    return sorted((rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                  if method in rule.methods and not rule.arguments
                  and rule.endpoint not in NOT_PAGES)


@pytest.fixture
def office_app(config, office):
    open_portal(office)  # 101, 102 and the admin boss
    add_account(office, "desk", ROLE_OPERATOR, "DeskPassw0rd1")
    return portal.create_app(config)


def logged_in(app, role):
    browser = app.test_client()
    if role is not None:
        assert log_in(browser, *LOGINS[role]).status_code == 302
    return browser


@pytest.mark.parametrize("role", ROLES)
def test_each_role_opens_its_pages_and_is_refused_the_others(office_app, role):
    browser = logged_in(office_app, role)
    pages = rules(office_app, "GET")
    assert ("extensions.index", "/extensions") in pages
    for endpoint, path in pages:
        access = access_of(office_app.view_functions[endpoint])
        response = browser.get(path)
        text = response.get_data(as_text=True)
        assert "Traceback" not in text, path
        if access == PUBLIC:
            assert response.status_code in (200, 302), path
        elif role in access:
            assert response.status_code in (200, 302), (path, response.status_code)
            if response.status_code == 200 and response.mimetype == "text/html":
                assert '<html lang="en">' in text, path
        else:
            assert response.status_code == 403, (path, role, response.status_code)
            assert page_error(text) == PAGE_REFUSED, path


def test_without_a_login_every_page_sends_to_the_login_page(office_app):
    browser = office_app.test_client()
    for endpoint, path in rules(office_app, "GET"):
        if access_of(office_app.view_functions[endpoint]) != PUBLIC:
            response = browser.get(path)
            assert response.status_code == 302, path
            assert response.location.startswith("/login?next="), path


@pytest.mark.parametrize("role", ROLES)
def test_no_form_is_taken_without_its_csrf_token(office_app, role):
    browser = logged_in(office_app, role)
    forms = rules(office_app, "POST")
    assert forms
    for _endpoint, path in forms:
        response = browser.post(path, data={"number": "102", "name": "x", "lang": "zh_Hans"})
        assert response.status_code == 400, (path, response.status_code)
        assert "did not come from this portal" in page_error(response.get_data(as_text=True))
    assert browser.get("/extensions").status_code == 200  # and still logged in


@pytest.mark.parametrize("role", ROLES)
def test_every_page_renders_in_chinese(office_app, role):
    browser = logged_in(office_app, role)
    for endpoint, path in rules(office_app, "GET"):
        access = access_of(office_app.view_functions[endpoint])
        if access != PUBLIC and role in access:
            response = browser.get(path, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
            if response.status_code == 200 and response.mimetype == "text/html":
                assert '<html lang="zh-Hans">' in response.get_data(as_text=True), path


def record_routes(app):
    """``(method, path)`` of every route that takes record ids (int arguments only), with
    ``{id}`` where each id goes."""
    found = []
    for rule in app.url_map.iter_rules():
        converters = rule._converters  # noqa: SLF001 - werkzeug keeps them only here
        if rule.arguments and all(isinstance(c, IntegerConverter) for c in converters.values()):
            path = rule.rule
            for name in rule.arguments:
                path = path.replace(f"<int:{name}>", "{id}")
            found += [(method, path) for method in sorted(rule.methods & {"GET", "POST"})]
    return found


@pytest.mark.parametrize("role", ROLES)
def test_an_id_too_large_for_the_database_finds_nothing(office_app, role):
    """SQLite cannot take an integer over 2**63 - 1: such an id is a page not found, not a
    500, on every route that takes one."""
    browser = logged_in(office_app, role)
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    routes = record_routes(office_app)
    assert ("GET", "/fax/{id}/pdf") in routes and ("POST", "/fax/{id}/cancel") in routes
    for method, path in routes:
        for number in (2 ** 63 - 1, 2 ** 64, 10 ** 30):
            url = path.replace("{id}", str(number))
            response = (browser.get(url) if method == "GET" else
                        browser.post(url, data={"csrf_token": token}))
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
