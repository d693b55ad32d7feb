"""Portal logins: who may log in, throttling, CSRF, sessions ending on a password change."""

from pathlib import Path

import pytest

import portal
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import find_extension, set_password, set_portal_access
from switchctl.services.logins import add_account
from tests.portal_helpers import csrf_token, log_in, page_error


@pytest.fixture
def app(config, office):
    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    add_account(office, "boss", "admin", "AdminPassw0rd")
    return portal.create_app(config)


@pytest.fixture
def browser(app):
    return app.test_client()


def test_an_extension_user_logs_in_with_number_and_sip_password(browser):
    response = log_in(browser, "101", "Passw0rd101")
    assert response.status_code == 302 and response.location == "/extensions"
    page = browser.get("/extensions").get_data(as_text=True)
    assert "Alice (101)" in page and 'data-extension="105"' in page


def test_a_wrong_password_is_refused_with_a_reason_and_no_session(browser):
    response = log_in(browser, "101", "Passw0rd102")
    assert response.status_code == 401
    assert page_error(response.get_data(as_text=True)) == \
        "Login refused: wrong extension number or password."
    assert browser.get("/extensions").status_code == 302


def test_an_unknown_name_gets_the_same_answer_as_a_wrong_password(browser):
    response = log_in(browser, "999", "Passw0rd101")
    assert response.status_code == 401
    assert "wrong extension number or password" in response.get_data(as_text=True)


@pytest.mark.parametrize("turned_off", ["domain", "extension"])
def test_the_portal_must_be_open_for_the_domain_and_the_extension(app, browser, office,
                                                                  turned_off):
    if turned_off == "domain":
        set_portal_enabled(office, False)
        assert "The user portal is switched off" in browser.get("/login").get_data(as_text=True)
    response = log_in(browser, "101" if turned_off == "domain" else "105", "Passw0rd" +
                      ("101" if turned_off == "domain" else "105"))
    assert response.status_code == 401
    assert "not open to this extension" in page_error(response.get_data(as_text=True))


def test_an_admin_logs_in_even_when_the_user_portal_is_off(browser, office):
    set_portal_enabled(office, False)
    assert log_in(browser, "boss", "AdminPassw0rd").status_code == 302
    assert "boss (boss)" in browser.get("/extensions").get_data(as_text=True)


def test_failed_logins_are_throttled_per_name(browser):
    for _ in range(5):
        assert log_in(browser, "101", "wrong-password").status_code == 401
    locked = log_in(browser, "101", "Passw0rd101")
    assert locked.status_code == 429
    assert "Too many failed logins" in page_error(locked.get_data(as_text=True))
    assert log_in(browser, "102", "Passw0rd102").status_code == 302  # another name still may


def test_a_post_without_the_csrf_token_is_refused(browser):
    response = browser.post("/login", data={"username": "101", "password": "Passw0rd101"})
    assert response.status_code == 400
    assert "did not come from this portal" in response.get_data(as_text=True)
    assert browser.get("/extensions").status_code == 302


def test_log_out_needs_a_post_with_the_token(browser):
    log_in(browser, "101", "Passw0rd101")
    assert browser.get("/logout").status_code == 405
    assert browser.post("/logout").status_code == 400
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert browser.get("/extensions").status_code == 302


@pytest.mark.parametrize("change", ["password", "access"])
def test_a_session_ends_when_the_password_changes_or_access_is_withdrawn(browser, office,
                                                                         change):
    log_in(browser, "101", "Passw0rd101")
    assert browser.get("/extensions").status_code == 200
    if change == "password":
        set_password(find_extension(office, "101"), "NewPassw0rd1")
    else:
        set_portal_access(office, ["101"], False)
    assert browser.get("/extensions").status_code == 302


@pytest.mark.parametrize("target, landing", [
    ("/extensions", "/extensions"),
    ("https://evil.example/", "/extensions"),
    ("//evil.example/", "/extensions"),
    ("/\\evil.example", "/extensions"),
])
def test_after_login_only_a_local_page_is_followed(browser, target, landing):
    assert log_in(browser, "101", "Passw0rd101", next_url=target).location == landing


def test_pages_forbid_inline_scripts_and_framing(browser):
    headers = browser.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_the_event_stream_asks_for_a_login_instead_of_redirecting(browser):
    assert browser.get("/events").status_code == 401


def test_a_database_outage_gets_a_clear_page(browser, db):
    log_in(browser, "101", "Passw0rd101")
    path = Path(db.database)
    db.close()
    path.rename(path.with_suffix(".away"))
    path.mkdir()  # where the file was: SQLite cannot open it
    try:
        response = browser.get("/extensions")
    finally:
        db.close()
        path.rmdir()
        path.with_suffix(".away").rename(path)
    assert response.status_code == 503
    assert "database is not available" in response.get_data(as_text=True)
    assert browser.get("/extensions").status_code == 200  # and back once it is
