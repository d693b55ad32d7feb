"""Portal logins: who may log in, throttling, CSRF, sessions ending on a password change."""

import hashlib

import pytest

from switchctl import portal
from switchctl.models import PortalAccount
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import find_extension, set_password, set_portal_access
from switchctl.portal.throttle import (ADDRESS_LIMIT, ANYWHERE_LIMIT, NAME_LIMIT, WINDOW,
                                       LoginThrottle)
from switchctl.services.logins import authenticate, load_principal, open_session
from tests.builders.database import outage
from tests.clients.portal import QUICK_HASH, csrf_token, log_in, page_error

pytestmark = pytest.mark.both_databases

# The tests whose logins check accounts' real hashes (the product's method and cost); the
# others hash the quick way (conftest quick_hashes): scrypt's 0.2 s per account and login
# was most of their time, and what they check is not the hash.
REAL_HASHES = {"test_an_admin_logs_in_with_the_real_hash_even_when_the_user_portal_is_off",
               "test_concurrent_wrong_passwords_for_an_account_check_no_more_than_the_limit"}


@pytest.fixture(autouse=True)
def account_hashes(request):
    if request.node.originalname not in REAL_HASHES:
        request.getfixturevalue("quick_hashes")


@pytest.fixture
def browser(app):
    return app.test_client()


def test_an_extension_user_logs_in_with_number_and_sip_password(browser):
    response = log_in(browser, "101", "Passw0rd101")
    assert response.status_code == 302 and response.location == "/extensions"
    page = browser.get("/extensions").get_data(as_text=True)
    assert "Alice (101)" in page and 'data-extension="105"' in page


def test_a_wrong_password_is_refused_with_a_reason_and_no_session(browser, caplog):
    response = log_in(browser, "101", "Passw0rd102")
    assert any("login for '101' from 127.0.0.1 refused" in r.getMessage()
               for r in caplog.records)
    assert not any("Passw0rd102" in r.getMessage() for r in caplog.records)
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


def test_an_admin_logs_in_with_the_real_hash_even_when_the_user_portal_is_off(browser, office):
    assert not PortalAccount.get(username="boss").password_hash.startswith(QUICK_HASH)
    set_portal_enabled(office, False)
    assert log_in(browser, "boss", "AdminPassw0rd").status_code == 302
    assert "boss (boss)" in browser.get("/extensions").get_data(as_text=True)


def test_failed_logins_are_throttled_per_name(browser):
    for name in ("101", " 101", "101 ", "  101", "101"):  # the same name, however typed
        assert log_in(browser, name, "wrong-password").status_code == 401
    locked = log_in(browser, "101", "Passw0rd101")
    assert locked.status_code == 429
    assert "Too many failed logins" in page_error(locked.get_data(as_text=True))
    assert log_in(browser, "102", "Passw0rd102").status_code == 302  # another name still may


def test_the_throttle_counts_per_address_and_per_name_from_anywhere(db):
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for n in range(ADDRESS_LIMIT):
        throttle.failed("10.0.0.1", f"user{n}")
    assert throttle.wait_seconds("10.0.0.1", "someone-else") > 0
    assert throttle.wait_seconds("10.0.0.2", "someone-else") == 0
    for n in range(ANYWHERE_LIMIT):
        throttle.failed(f"10.1.0.{n}", "101")
    assert throttle.wait_seconds("10.2.0.1", "101") > 0
    now[0] += WINDOW + 1
    assert throttle.wait_seconds("10.2.0.1", "101") == 0
    assert throttle.wait_seconds("10.0.0.1", "someone-else") == 0


def guess_at_once(app, name, passwords):
    """POST every password for ``name`` at the same time, each from a browser of its own
    (greenlets: each request waits for its hash check in a worker thread); the statuses."""
    import gevent

    browsers = [app.test_client() for _ in passwords]
    tokens = [csrf_token(b.get("/login").get_data(as_text=True)) for b in browsers]

    def post(browser, token, password):
        return browser.post("/login", data={"username": name, "password": password,
                                            "csrf_token": token}).status_code

    jobs = [gevent.spawn(post, *job) for job in zip(browsers, tokens, passwords)]
    gevent.joinall(jobs, timeout=60, raise_error=True)
    return [job.value for job in jobs]


def test_concurrent_wrong_passwords_for_an_account_check_no_more_than_the_limit(app, caplog):
    """40 guesses at once: each is counted before its check, so only NAME_LIMIT are ever
    checked against the hash (a log line and a 401 each); the rest wait for the lock."""
    answers = guess_at_once(app, "boss", [f"wrong-password-{n}" for n in range(40)])
    checked = [r for r in caplog.records
               if r.getMessage().endswith("refused: wrong extension number or password")]
    assert sorted(answers) == [401] * NAME_LIMIT + [429] * (40 - NAME_LIMIT)
    assert len(checked) == NAME_LIMIT
    assert log_in(app.test_client(), "boss", "AdminPassw0rd").status_code == 429


def test_a_success_gives_its_reserved_attempt_back(db):
    throttle = LoginThrottle(clock=lambda: 1000.0)
    for n in range(ADDRESS_LIMIT - 1):
        assert throttle.reserve("10.0.0.1", f"user{n}") == 0
    for _ in range(10):  # right passwords, one after another: none of them counts
        assert throttle.reserve("10.0.0.1", "boss") == 0
        throttle.succeeded("10.0.0.1", "boss")
    assert throttle.reserve("10.0.0.1", "someone") == 0  # the 20th failure
    assert throttle.wait_seconds("10.0.0.1", "boss") > 0


def test_an_attempt_that_could_not_be_checked_is_not_counted(browser, db):
    """The accounts' table is away (renamed) while the login is checked: 503, no guess."""
    form = {"username": "boss", "password": "AdminPassw0rd",
            "csrf_token": csrf_token(browser.get("/login").get_data(as_text=True))}
    for _ in range(NAME_LIMIT + 1):
        db.execute_sql('ALTER TABLE "portal_account" RENAME TO "portal_account_away"')
        try:
            assert browser.post("/login", data=form).status_code == 503
        finally:
            db.execute_sql('ALTER TABLE "portal_account_away" RENAME TO "portal_account"')
    assert browser.post("/login", data=form).status_code == 302


def test_the_session_fingerprint_is_keyed_not_a_plain_hash_of_the_password(app, office):
    principal = open_session(authenticate("key-one", office.name, "101", "Passw0rd101"))
    other = authenticate("key-two", office.name, "101", "Passw0rd101")
    ha1 = find_extension(office, "101").sip_ha1
    assert principal.fingerprint != other.fingerprint
    assert principal.fingerprint not in hashlib.sha256(ha1.encode()).hexdigest()
    assert load_principal("key-one", principal.session_id) == principal
    assert load_principal("key-two", principal.session_id) is None


@pytest.mark.parametrize("session_id", ["", "e", "x1.abc", "e١.abc", "e1", "a99999.x",
                                        "e1.\u00e9\u00e9"])
def test_odd_session_ids_are_no_session(office, session_id):
    assert load_principal("key", session_id) is None


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
    ("/extensions?sort=name", "/extensions?sort=name"),
    ("https://evil.example/", "/extensions"),
    ("//evil.example/", "/extensions"),
    ("/\\evil.example", "/extensions"),
    ("/%0d%0aSet-Cookie:x=1", "/extensions"),
    ("/x%00y", "/extensions"),
])
def test_after_login_only_a_local_page_is_followed(browser, target, landing):
    assert log_in(browser, "101", "Passw0rd101", next_url=target).location == landing


def test_pages_forbid_inline_scripts_and_framing(browser):
    headers = browser.get("/login").headers
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'self'" in headers["Content-Security-Policy"]  # the web phone


def test_the_event_stream_asks_for_a_login_instead_of_redirecting(browser):
    assert browser.get("/events").status_code == 401


def test_a_database_outage_gets_a_clear_page(browser, db):
    log_in(browser, "101", "Passw0rd101")
    with outage(db):
        response = browser.get("/extensions")
    assert response.status_code == 503
    assert "database is not available" in response.get_data(as_text=True)
    assert browser.get("/extensions").status_code == 200  # and back once it is


def test_a_users_pages_are_not_kept_in_the_browser_cache(browser):
    log_in(browser, "101", "Passw0rd101")
    assert browser.get("/extensions").headers["Cache-Control"] == "no-store"


def test_behind_a_proxy_the_throttle_counts_the_forwarded_address(config, office):
    set_portal_enabled(office, True)
    set_portal_access(office, ["101"], True)
    proxied = portal.create_app(config.with_changes(portal_proxies=1)).test_client()

    def attempt(client_address):
        token = csrf_token(proxied.get("/login").get_data(as_text=True))
        return proxied.post("/login", headers={"X-Forwarded-For": client_address},
                            data={"username": "101", "password": "wrong-password",
                                  "csrf_token": token}).status_code

    assert [attempt("198.51.100.7") for _ in range(6)] == [401] * 5 + [429]
    assert attempt("198.51.100.8") == 401  # another client behind the same proxy
