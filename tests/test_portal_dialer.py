"""The browser dialer's credential (``POST /dialer/credential``): a logged-in extension
user's page gets its Verto login, a one-time password and the Verto address; the
xml_curl directory (the same database) then lets that login in over Verto once. Only
extension users get one, only with the CSRF token, and logging out of the portal ends
what was given."""

import pytest

from switchctl.xml_curl.app import create_app as create_xml_curl
from tests.clients.portal import ADMIN, EXTENSION, csrf_token, signed_in
from tests.clients.xml_curl import parsed, post
from tests.test_dialer_credentials import secrets_of, user_of, verto_login

pytestmark = pytest.mark.usefixtures("quick_hashes")


def ask(browser, **headers):
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    return browser.post("/dialer/credential", headers={"X-CSRFToken": token, **headers})


def directory_answer(config, office, password):
    switch = create_xml_curl(config).test_client()
    return secrets_of(user_of(parsed(post(switch, verto_login(office.name, "101", password)))))


def test_an_extension_user_gets_a_verto_login_the_switch_accepts_once(app, config, office):
    browser = signed_in(app, *EXTENSION)
    answer = ask(browser)
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    given = answer.get_json()
    assert given["login"] == "101@pbx.local"
    assert given["url"] == "ws://localhost:8081"  # the test client's host, an http page
    assert 0 < given["lifetime"] <= 60
    assert EXTENSION[1] not in answer.get_data(as_text=True)
    assert directory_answer(config, office, given["password"]) == {
        "jsonrpc-password": given["password"]}
    assert directory_answer(config, office, given["password"]) == {}  # good once


def test_every_request_gets_a_new_one(app):
    browser = signed_in(app, *EXTENSION)
    assert ask(browser).get_json()["password"] != ask(browser).get_json()["password"]


def test_an_https_page_gets_the_secure_port(app):
    browser = signed_in(app, *EXTENSION)
    answer = ask(browser, **{"X-Forwarded-Proto": "https"})  # not believed: no proxies
    assert answer.get_json()["url"] == "ws://localhost:8081"
    secure, site = app.test_client(), "https://pbx.example.com"
    token = csrf_token(secure.get("/login", base_url=site).get_data(as_text=True))
    # Over https, flask-wtf also wants a same-site Referer.
    assert secure.post("/login", base_url=site, headers={"Referer": f"{site}/login"}, data={
        "username": EXTENSION[0], "password": EXTENSION[1], "csrf_token": token}
    ).status_code == 302
    token = csrf_token(secure.get("/extensions", base_url=site).get_data(as_text=True))
    answer = secure.post("/dialer/credential", base_url=site, headers={
        "X-CSRFToken": token, "Referer": f"{site}/extensions"})
    assert answer.get_json()["url"] == "wss://pbx.example.com:8082"


def test_a_configured_address_is_given(config, office):
    from switchctl import portal
    from tests.clients.portal import open_portal
    open_portal(office)
    app = portal.create_app(config.with_changes(verto_url="wss://pbx.example.com/verto"))
    assert ask(signed_in(app, *EXTENSION)).get_json()["url"] == "wss://pbx.example.com/verto"


def test_without_the_csrf_token_nothing_is_given(app):
    browser = signed_in(app, *EXTENSION)
    answer = browser.post("/dialer/credential")
    assert answer.status_code == 400
    assert "password" not in answer.get_data(as_text=True)


def test_admins_and_strangers_get_none(app):
    assert ask(signed_in(app, *ADMIN)).status_code == 403
    stranger = app.test_client()
    answer = stranger.post("/dialer/credential")
    assert answer.status_code in (302, 400, 401)
    assert "password" not in answer.get_data(as_text=True)


def test_logging_out_ends_what_was_given(app, config, office):
    browser = signed_in(app, *EXTENSION)
    given = ask(browser).get_json()
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    assert browser.post("/logout", data={"csrf_token": token}).status_code == 302
    assert directory_answer(config, office, given["password"]) == {}


def test_the_web_phone_page_frames_the_portal_and_may_reach_verto_only(app):
    browser = signed_in(app, *EXTENSION)
    page = browser.get("/phone")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="portal-frame"' in text and 'src="/extensions"' in text
    policy = page.headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://localhost:8081;" in policy
    assert "frame-ancestors 'self'" in policy and "script-src" not in policy
    # Every other page keeps the portal's policy (no connection elsewhere).
    assert "connect-src" not in browser.get("/extensions").headers["Content-Security-Policy"]


@pytest.mark.parametrize("asked, framed", [
    ("/contacts", "/contacts"), ("/call-records?page=2", "/call-records?page=2"),
    ("//evil.example/x", "/extensions"), ("https://evil.example", "/extensions"),
    ("/phone?page=/phone", "/extensions"), ("/login", "/extensions"),
    ("javascript:alert(1)", "/extensions"), ("", "/extensions")])
def test_the_framed_page_is_a_page_of_this_site(app, asked, framed):
    text = signed_in(app, *EXTENSION).get("/phone", query_string={"page": asked}) \
        .get_data(as_text=True)
    assert f'name="portal" src="{framed}"'.replace("&", "&amp;") in text


def test_the_page_and_its_scripts_are_for_extension_users(app):
    browser = signed_in(app, *EXTENSION)
    for name, kind in (("verto.js", "text/javascript"), ("dialer.js", "text/javascript"),
                       ("dialer.css", "text/css")):
        answer = browser.get(f"/dialer/{name}")
        assert answer.status_code == 200 and answer.mimetype == kind, name
    assert browser.get("/dialer/views.py").status_code == 404
    assert browser.get("/dialer/..%2Fviews.py").status_code == 404
    admin = signed_in(app, *ADMIN)
    assert admin.get("/phone").status_code == 403
    assert admin.get("/dialer/verto.js").status_code == 403
    assert app.test_client().get("/phone").status_code == 302  # to the login page


def test_the_header_links_the_web_phone_for_the_whole_window(app):
    text = signed_in(app, *EXTENSION).get("/extensions").get_data(as_text=True)
    assert 'href="/phone" data-endpoint="dialer.index"\n         target="_top"' in text
    assert 'class="logout" target="_top"' in text
    assert 'href="/phone"' not in signed_in(app, *ADMIN).get("/extensions").get_data(
        as_text=True)
