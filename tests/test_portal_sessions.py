"""Portal sessions kept on the server: ended by log-out, a changed password, withdrawn
access, an administrator's "log out everywhere" and by time; and Secure session cookies."""

import datetime
import hashlib
import threading

import pytest
import requests
from playhouse.test_utils import count_queries

from switchctl import config as config_module
from switchctl import portal
from switchctl.models import PortalSession
from switchctl.models.base import now
from switchctl.services import sessions
from switchctl.services.domains import set_portal_enabled
from switchctl.services.extensions import find_extension, set_password, set_portal_access
from switchctl.services.logins import authenticate, load_principal, open_session
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve
from tests.clients.cli import switchctl_here as switchctl
from tests.clients.portal import csrf_token, log_in, log_in_http

# Account hashes the quick way: sessions are not about them (test_portal_login checks
# logins against real ones); scrypt's 0.2 s per account and login was most of the time.
pytestmark = [pytest.mark.both_databases, pytest.mark.usefixtures("quick_hashes")]
MINUTE = datetime.timedelta(minutes=1)


LOGINS = {"101": "Passw0rd101", "102": "Passw0rd102", "boss": "AdminPassw0rd"}


def logged_in(app, name):
    """A browser logged in as ``name``, and its session cookie as saved then."""
    browser = app.test_client()
    assert log_in(browser, name, LOGINS[name]).status_code == 302
    return browser, browser.get_cookie("session").value


def replayed(app, cookie):
    """A browser of its own that sends a saved session cookie."""
    browser = app.test_client()
    browser.set_cookie("session", cookie)
    return browser


def opens(app, cookie):
    return replayed(app, cookie).get("/extensions").status_code == 200


def log_out(browser):
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302


def test_a_cookie_saved_before_log_out_opens_nothing_after_it(app):
    browser, saved = logged_in(app, "101")
    assert opens(app, saved)
    assert replayed(app, saved).get("/events").status_code == 503  # in: but no listener here
    log_out(browser)
    assert replayed(app, saved).get("/extensions").status_code == 302
    assert replayed(app, saved).get("/events").status_code == 401
    assert PortalSession.select().count() == 0


def test_log_out_ends_that_session_only(app):
    first, _ = logged_in(app, "101")
    _, second = logged_in(app, "101")
    log_out(first)
    assert opens(app, second)


def test_the_cookie_holds_a_random_token_the_database_only_its_hash(app, db):
    _, saved = logged_in(app, "101")
    token = load_token(app, saved)
    assert len(token) >= 40 and "101" not in token
    stored = PortalSession.get()
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(db.execute_sql('SELECT * FROM "portal_session"').fetchall())


def load_token(app, cookie):
    """The session id inside a (signed) session cookie."""
    serializer = app.session_interface.get_signing_serializer(app)
    return serializer.loads(cookie)["_user_id"]


@pytest.mark.parametrize("withdrawn", ["domain", "extension"])
def test_access_withdrawn_and_given_back_leaves_the_old_sessions_ended(app, office, withdrawn):
    _, saved = logged_in(app, "101")
    _, admin = logged_in(app, "boss")
    if withdrawn == "domain":
        set_portal_enabled(office, False)
        set_portal_enabled(office, True)
    else:
        set_portal_access(office, ["101"], False)
        set_portal_access(office, ["101"], True)
    assert not opens(app, saved)
    assert opens(app, admin)  # admins may log in while the user portal is off
    assert opens(app, logged_in(app, "101")[1])  # a new login is fine


def test_a_password_changed_and_changed_back_leaves_the_old_sessions_ended(app, office):
    _, saved = logged_in(app, "101")
    extension = find_extension(office, "101")
    set_password(extension, "NewPassw0rd1")
    set_password(extension, "Passw0rd101")
    assert not opens(app, saved)


def test_log_out_everywhere_from_the_command_line(app, config):
    cookies = {name: [logged_in(app, name)[1] for _ in range(count)]
               for name, count in (("101", 2), ("102", 1), ("boss", 1))}

    def logout(*names):
        return switchctl(config.data, "portal", "logout", *names,
                         SWITCHCTL_DATABASE=config.database)

    unknown = logout("101", "999", "nobody")
    assert unknown.returncode == 1
    assert "no such extension or account: 999, nobody" in unknown.stderr
    assert all(opens(app, c) for c in cookies["101"])
    ended = logout("101", "boss")
    assert ended.returncode == 0 and ended.stdout == "ended 3 portal sessions\n"
    assert not any(opens(app, c) for c in cookies["101"] + cookies["boss"])
    assert opens(app, cookies["102"][0])
    assert logout("--all").stdout == "ended 1 portal session\n"
    assert not opens(app, cookies["102"][0])
    assert logout().returncode == 2  # names, or --all


def aged(**times):
    """Every session's times set back by ``times`` (created=..., last_seen=...)."""
    PortalSession.update(**{name: now() - by for name, by in times.items()}).execute()


@pytest.mark.parametrize("times", [{"last_seen": sessions.IDLE + MINUTE},
                                   {"created": sessions.LIFETIME + MINUTE}],
                         ids=["idle", "lifetime"])
def test_an_expired_session_is_refused_and_removed(app, times):
    browser, _ = logged_in(app, "101")
    aged(**times)
    assert browser.get("/extensions").status_code == 302
    assert PortalSession.select().count() == 0


def test_expired_sessions_are_swept_at_the_next_log_in(app):
    logged_in(app, "101")
    logged_in(app, "boss")
    aged(last_seen=sessions.IDLE + MINUTE)
    logged_in(app, "102")
    assert [s.extension.number for s in PortalSession.select()] == ["102"]


def test_a_session_in_use_is_written_only_every_few_minutes(app):
    browser, _ = logged_in(app, "101")
    aged(last_seen=sessions.TOUCH - MINUTE)
    before = PortalSession.get().last_seen
    assert browser.get("/extensions").status_code == 200
    assert PortalSession.get().last_seen == before
    aged(last_seen=sessions.TOUCH + MINUTE)
    assert browser.get("/extensions").status_code == 200
    assert PortalSession.get().last_seen >= now() - MINUTE


def test_a_login_keeps_at_most_a_few_sessions(app):
    cookies = [logged_in(app, "101")[1] for _ in range(sessions.MAX_PER_LOGIN + 1)]
    assert PortalSession.select().count() == sessions.MAX_PER_LOGIN
    assert not opens(app, cookies[0]) and opens(app, cookies[1]) and opens(app, cookies[-1])


@pytest.mark.parametrize("name", ["101", "boss"])
def test_loading_a_session_is_one_query(app, office, name):
    opened = open_session(authenticate("key", office.name, name, LOGINS[name]))
    with count_queries() as counted:
        assert load_principal("key", opened.session_id) == opened
    assert counted.count == 1


@pytest.fixture
def streaming(config, app, live_view, monkeypatch):
    """The portal on a LiveView of a fake switch; streams check their session every 50 ms."""
    from switchctl.portal.extensions import stream

    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.05)
    return portal.create_app(config, live_view[0])


def test_an_open_stream_ends_when_its_session_is_logged_out_elsewhere(streaming):
    browser, saved = logged_in(streaming, "101")
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b"event: extensions" in next(chunks)
    log_out(replayed(streaming, saved))
    assert next(chunk for chunk in chunks if b"keep-alive" not in chunk).startswith(
        b"event: logout")


def test_the_stream_cap_is_per_login_however_many_sessions_it_opens(streaming):
    from switchctl.portal.extensions.stream import MAX_STREAMS

    browsers = [logged_in(streaming, "101")[0] for _ in range(2)]
    held = [browsers[n % 2].get("/events", buffered=False) for n in range(MAX_STREAMS)]
    assert [s.status_code for s in held] == [200] * MAX_STREAMS
    assert browsers[0].get("/events").status_code == 429
    assert browsers[1].get("/events").status_code == 429
    for stream in held:
        stream.close()


def session_cookie_of(response):
    found = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert found, "no session cookie set"
    return found[0]


@pytest.mark.parametrize(("proxies", "secure_setting", "request_kind", "secure"), [
    (0, False, "http", False),
    (0, False, "https", True),
    (0, False, "forwarded https", False),  # nobody's X-Forwarded-Proto is believed
    (1, False, "forwarded https", True),  # the trusted proxy's is
    (1, False, "forwarded http", False),
    (0, True, "http", True),  # SWITCHCTL_PORTAL_SECURE_COOKIES=1
])
def test_the_session_cookie_is_secure_over_https_or_when_set_so(
        config, office, proxies, secure_setting, request_kind, secure):
    app = portal.create_app(config.with_changes(portal_proxies=proxies,
                                                portal_secure_cookies=secure_setting))
    scheme = request_kind.split()[-1]
    kwargs = {"headers": {"X-Forwarded-Proto": scheme}} if "forwarded" in request_kind \
        else {"base_url": f"{scheme}://localhost"}
    cookie = session_cookie_of(app.test_client().get("/login", **kwargs))
    assert ("; Secure" in cookie) is secure
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_the_secure_cookie_setting_is_read_and_checked(tmp_path):
    environ = {"SWITCHCTL_DATA": str(tmp_path)}
    assert config_module.load(environ).portal_secure_cookies is False
    assert config_module.load({**environ, "SWITCHCTL_PORTAL_SECURE_COOKIES": "1"}) \
        .portal_secure_cookies is True
    with pytest.raises(config_module.ConfigError, match="portal_secure_cookies"):
        config_module.load({**environ, "SWITCHCTL_PORTAL_SECURE_COOKIES": "yes"})


def serve_demo(tmp_path, **settings):
    """``switchctl serve`` (its own process) on the demo office: ``(process, base URL,
    demo passwords)``."""
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    port = free_tcp_port()
    process = start_serve(tmp_path, f"127.0.0.1:{port}",
                          SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}", **settings)
    threading.Thread(target=process.stderr.read, daemon=True).start()  # drain its log
    return process, f"http://127.0.0.1:{port}", demo_passwords(init.stdout)


@pytest.fixture
def served(tmp_path):
    process, base, passwords = serve_demo(tmp_path)
    yield base, passwords
    process.kill()
    process.wait()


def test_through_the_server_a_cookie_saved_before_log_out_opens_nothing(served, tmp_path):
    base, passwords = served

    def status(cookies, path):
        with requests.get(f"{base}{path}", cookies=cookies, allow_redirects=False,
                          stream=True, timeout=10) as response:
            return response.status_code

    browser = requests.Session()
    log_in_http(browser, base, "102", passwords["102"])
    saved = browser.cookies.get_dict()
    assert (status(saved, "/extensions"), status(saved, "/events")) == (200, 200)
    token = csrf_token(browser.get(f"{base}/extensions", timeout=10).text)
    assert browser.post(f"{base}/logout", data={"csrf_token": token}, allow_redirects=False,
                        timeout=10).status_code == 302
    assert (status(saved, "/extensions"), status(saved, "/events")) == (302, 401)
    for commands in ([("portal", "disable", "102"), ("portal", "enable", "102")],
                     [("portal", "disable"), ("portal", "enable")],
                     [("portal", "logout", "--all")]):
        again = requests.Session()
        log_in_http(again, base, "102", passwords["102"])
        cookies = again.cookies.get_dict()
        assert status(cookies, "/extensions") == 200
        for command in commands:
            assert switchctl(tmp_path, *command).returncode == 0, command
        assert (status(cookies, "/extensions"), status(cookies, "/events")) == (302, 401)


@pytest.mark.parametrize(("settings", "headers", "secure"), [
    ({}, {}, False),
    ({"SWITCHCTL_PORTAL_SECURE_COOKIES": "1"}, {}, True),
    ({"SWITCHCTL_PORTAL_PROXIES": "1"}, {"X-Forwarded-Proto": "https"}, True),
    ({"SWITCHCTL_PORTAL_PROXIES": "1"}, {"X-Forwarded-Proto": "http"}, False),
], ids=["plain", "forced", "proxy says https", "proxy says http"])
def test_through_the_server_the_cookie_is_secure_when_it_should_be(tmp_path, settings, headers,
                                                                   secure):
    process, base, _ = serve_demo(tmp_path, **settings)
    try:
        cookie = requests.get(f"{base}/login", headers=headers, timeout=10).headers["Set-Cookie"]
    finally:
        process.kill()
        process.wait()
    assert cookie.startswith("session=") and ("; Secure" in cookie) is secure
