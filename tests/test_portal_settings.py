"""The settings page: an extension user's DND, voicemail, PIN, language and desk-phone
password; an account's language and password; who may change what (only the login's own
records: the views take no id, so a forged one in a form is not even read), CSRF, clear
messages in both languages, and the language kept with the login on every device."""

import re

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import Extension, PortalAccount, PortalSession
from switchctl.passwords import check_sip_password
from switchctl.portal.throttle import NAME_LIMIT
from switchctl.services.forwarding import set_dnd
from switchctl.services.logins import add_account
from switchctl.services.voicemail_settings import check_pin
from switchctl.services.logins import load_principal
from tests.clients.portal import csrf_token, log_in, page_error
from tests.test_portal_sessions import load_token

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

LOGINS = {"101": "Passw0rd101", "102": "Passw0rd102", "boss": "AdminPassw0rd",
          "desk": "OperPassw0rd"}
EXTENSION_FORMS = ("dnd", "voicemail", "voicemail-pin", "language", "sip-password")
ACCOUNT_FORMS = ("language", "account-password", "totp-start")


@pytest.fixture
def operator(app, office):
    add_account(office, "desk", "operator", LOGINS["desk"])


def browser_of(app, name, accept="en"):
    browser = app.test_client()
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = accept
    assert log_in(browser, name, LOGINS[name]).status_code == 302
    return browser


def post(browser, path, **form):
    token = csrf_token(browser.get("/settings").get_data(as_text=True))
    return browser.post(path, data={**form, "csrf_token": token})


def extension(number):
    return Extension.get(Extension.number == number)


def forms_of(page):
    return set(re.findall(r'<form method="post" action="[^"]*"[^>]*\bid="([\w-]+)"', page))


def title(page):
    return re.search(r"<title>(.*?)</title>", page, re.S).group(1).strip()


# Who sees what.

def test_logged_out_the_page_and_its_forms_ask_for_a_login(app):
    browser = app.test_client()
    response = browser.get("/settings")
    assert response.status_code == 302 and "/login" in response.location
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    for path in ("/settings/dnd", "/settings/language", "/settings/password",
                 "/settings/totp/start"):
        response = browser.post(path, data={"csrf_token": token, "dnd": "on", "lang": "en"})
        assert response.status_code == 302 and "/login" in response.location, path
    assert not extension("101").dnd


def test_each_role_sees_and_posts_the_forms_of_its_own_login_only(app, operator):
    browsers = {name: browser_of(app, name) for name in ("101", "boss", "desk")}
    for name, forms in (("101", EXTENSION_FORMS), ("boss", ACCOUNT_FORMS),
                        ("desk", ACCOUNT_FORMS)):
        page = browsers[name].get("/settings").get_data(as_text=True)
        assert forms_of(page) == set(forms), name
    for name, path in (("boss", "/settings/dnd"), ("desk", "/settings/voicemail"),
                       ("boss", "/settings/pin"), ("desk", "/settings/sip-password"),
                       ("101", "/settings/password"), ("101", "/settings/totp/start"),
                       ("101", "/settings/totp/confirm"), ("101", "/settings/totp/disable")):
        response = post(browsers[name], path, dnd="on", voicemail="on", email="a@b.cn",
                        pin="4321", pin_again="4321", code="123456", password="x",
                        current="AdminPassw0rd", new="N3wAdminPass", again="N3wAdminPass")
        assert response.status_code == 403, (name, path)
    assert not Extension.select().where(Extension.dnd | ~Extension.voicemail_enabled).exists()
    assert not PortalAccount.select().where(PortalAccount.totp_secret != "").exists()


def test_every_form_needs_its_csrf_token(app):
    browser = browser_of(app, "101")
    for path in ("/settings/dnd", "/settings/voicemail", "/settings/pin",
                 "/settings/language", "/settings/sip-password"):
        response = browser.post(path, data={"dnd": "on", "voicemail": "", "email": "",
                                            "pin": "4321", "pin_again": "4321", "lang": "zh_Hans"})
        assert response.status_code == 400, path
    alice = extension("101")
    assert not alice.dnd and alice.voicemail_enabled and alice.portal_language == ""
    assert check_pin(alice.id, "1234")


# DND and voicemail.

def test_dnd_is_the_users_own_and_a_forged_extension_in_the_form_is_not_read(app):
    browser = browser_of(app, "101")
    bob = extension("102")
    response = post(browser, "/settings/dnd", dnd="on", extension=str(bob.id), number="102",
                    extension_id=str(bob.id))
    assert response.status_code == 302
    assert extension("101").dnd and not extension("102").dnd
    page = browser.get("/settings").get_data(as_text=True)
    assert "Do not disturb is on." in page
    assert re.search(r'name="dnd" checked', page)
    post(browser, "/settings/dnd")  # an unticked box is not sent
    assert not extension("101").dnd
    set_dnd(extension("101"), True)  # what *78 on the phone does: shown on the next load
    assert 'name="dnd" checked' in browser.get("/settings").get_data(as_text=True)


def test_voicemail_on_off_and_its_email(app):
    browser = browser_of(app, "101")
    response = post(browser, "/settings/voicemail", email=" alice@example.cn ")
    assert response.status_code == 302
    alice = extension("101")
    assert not alice.voicemail_enabled and alice.email == "alice@example.cn"
    post(browser, "/settings/voicemail", voicemail="on", email="")
    alice = extension("101")
    assert alice.voicemail_enabled and alice.email == ""
    for email in ("not an address", "a@b", "x" * 250 + "@b.cn", "a@@b.cn"):
        response = post(browser, "/settings/voicemail", email=email)
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert page_error(text) == "That is not an email address."
        assert f'value="{email}"' in text  # what was typed is kept to correct
        alice = extension("101")
        assert alice.voicemail_enabled and alice.email == ""


# The voicemail PIN.

def test_the_pin_changes_hashed(app):
    browser = browser_of(app, "101")
    assert post(browser, "/settings/pin", pin="97531", pin_again="97531").status_code == 302
    alice = extension("101")
    assert check_pin(alice.id, "97531") and not check_pin(alice.id, "1234")
    assert "97531" not in alice.voicemail_pin_hash
    assert check_pin(extension("102").id, "1234")
    for first, second, message in (
            ("12a4", "12a4", "A PIN is digits only."),
            ("123", "123", "A PIN has at least 4 digits."),
            ("12345678901", "12345678901", "A PIN has at most 10 digits."),
            ("4321", "4322", "The two PINs differ."),
            ("١٢٣٤", "١٢٣٤", "A PIN is digits only.")):
        response = post(browser, "/settings/pin", pin=first, pin_again=second)
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == message
    assert check_pin(extension("101").id, "97531")


# The language, kept with the login.

def test_the_language_chosen_follows_the_login_to_a_fresh_browser(app):
    browser = browser_of(app, "101", accept="en-US,en;q=0.9")
    response = post(browser, "/settings/language", lang="zh_Hans")
    assert response.status_code == 302
    assert extension("101").portal_language == "zh_Hans"
    page = browser.get("/settings").get_data(as_text=True)
    assert title(page) == "设置 · switchctl" and "语言已保存。" in page
    fresh = browser_of(app, "101", accept="en-US,en;q=0.9")  # another device, English
    assert title(fresh.get("/extensions").get_data(as_text=True)) == "分机 · switchctl"
    stranger = app.test_client()  # logged out, an English browser: the browser's rule
    stranger.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    assert title(stranger.get("/login").get_data(as_text=True)) == "Log in · switchctl"
    other = browser_of(app, "102", accept="en")  # another login keeps its own
    assert title(other.get("/extensions").get_data(as_text=True)) == "Extensions · switchctl"
    token = load_token(app, fresh.get_cookie("session").value)
    with count_queries() as counted:  # the login's language comes in its one query
        principal = load_principal(app.config["SECRET_KEY"], token)
    assert principal.language == "zh_Hans" and counted.count == 1


def test_as_the_browser_asks_gives_the_choice_back_to_the_browser(app):
    browser = browser_of(app, "101", accept="zh-CN")
    post(browser, "/settings/language", lang="en")
    assert title(browser.get("/settings").get_data(as_text=True)) == "Settings · switchctl"
    response = post(browser, "/settings/language", lang="")
    assert response.status_code == 302 and extension("101").portal_language == ""
    page = browser.get("/settings").get_data(as_text=True)
    assert title(page) == "设置 · switchctl" and '<option value="" selected>' in page
    for lang in ("fr", "zh", "EN", "../x"):
        response = post(browser, "/settings/language", lang=lang)
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == "请选择所列语言之一。"
    assert extension("101").portal_language == ""


def test_the_header_switch_while_logged_in_is_kept_with_the_login(app):
    browser = browser_of(app, "boss", accept="en")
    page = browser.get("/settings").get_data(as_text=True)
    browser.post("/language", data={"lang": "zh_Hans", "next": "/settings",
                                    "csrf_token": csrf_token(page)})
    assert PortalAccount.get(PortalAccount.username == "boss").language == "zh_Hans"
    fresh = browser_of(app, "boss", accept="en")
    assert title(fresh.get("/settings").get_data(as_text=True)) == "设置 · switchctl"


# The desk phone's password.

def sessions_of(number):
    return PortalSession.select().where(PortalSession.extension == extension(number).id).count()


def test_a_new_sip_password_ends_the_other_sessions_and_renews_this_one(app):
    browser, other = browser_of(app, "101"), browser_of(app, "101")
    old_cookie = browser.get_cookie("session").value
    bob = browser_of(app, "102")
    response = post(browser, "/settings/sip-password", current="Passw0rd101",
                    new="N3wSecret101", again="N3wSecret101")
    assert response.status_code == 302
    alice = extension("101")
    assert check_sip_password(alice.sip_ha1, "101", "pbx.local", "N3wSecret101")
    page = browser.get("/settings").get_data(as_text=True)
    assert "Set the new password on your desk phone too" in page  # still logged in
    assert other.get("/settings").status_code == 302  # the other session ended
    copy = app.test_client()
    copy.set_cookie("session", old_cookie)
    assert copy.get("/settings").status_code == 302  # the old token opens nothing
    assert sessions_of("101") == 1 and bob.get("/settings").status_code == 200
    assert log_in(app.test_client(), "101", "Passw0rd101").status_code == 401
    assert log_in(app.test_client(), "101", "N3wSecret101").status_code == 302


WEAK = "A password has at least 8 printable ASCII characters and no spaces."


def test_a_refused_sip_password_changes_nothing(app):
    browser, other = browser_of(app, "101"), browser_of(app, "101")
    before = extension("101").sip_ha1
    for current, new, again, message in (
            ("wrong", "N3wSecret101", "N3wSecret101", "The current password is wrong."),
            ("", "N3wSecret101", "N3wSecret101", "The current password is wrong."),
            ("Passw0rd101", "N3wSecret101", "N3wSecret10", "The two new passwords differ."),
            ("Passw0rd101", "short", "short", WEAK),
            ("Passw0rd101", "with space 1", "with space 1", WEAK),
            ("Passw0rd101", "Pässw0rd1010", "Pässw0rd1010", WEAK),
            ("Passw0rd101", "Passw0rd101", "Passw0rd101",
             "The new password is the one you have now.")):
        response = post(browser, "/settings/sip-password", current=current, new=new,
                        again=again)
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == message
    assert extension("101").sip_ha1 == before
    assert other.get("/settings").status_code == 200 and sessions_of("101") == 2
    # Guessing the current password is throttled as logging in is (two guesses above).
    for _ in range(NAME_LIMIT - 2):
        response = post(browser, "/settings/sip-password", current="guess", new="N3wSecret101",
                        again="N3wSecret101")
        assert response.status_code == 400
    response = post(browser, "/settings/sip-password", current="Passw0rd101",
                    new="N3wSecret101", again="N3wSecret101")
    assert response.status_code == 429
    assert page_error(response.get_data(as_text=True)).startswith("Too many failed logins.")
    assert check_sip_password(extension("101").sip_ha1, "101", "pbx.local", "Passw0rd101")


# An account's password.

def test_an_admin_changes_its_own_password(app):
    browser, other = browser_of(app, "boss"), browser_of(app, "boss")
    bob = browser_of(app, "102")
    assert post(browser, "/settings/password", current="wrong", new="N3wAdminPass",
                again="N3wAdminPass").status_code == 400
    response = post(browser, "/settings/password", current="AdminPassw0rd",
                    new="N3wAdminPass", again="N3wAdminPass")
    assert response.status_code == 302
    assert browser.get("/settings").status_code == 200
    assert other.get("/settings").status_code == 302
    assert bob.get("/settings").status_code == 200
    assert log_in(app.test_client(), "boss", "N3wAdminPass").status_code == 302


# Chinese.

def test_the_page_and_its_messages_are_in_chinese(app):
    browser = browser_of(app, "101", accept="zh-CN")
    page = browser.get("/settings").get_data(as_text=True)
    assert title(page) == "设置 · switchctl"
    for words in ("免打扰", "邮箱", "语音信箱密码", "话机密码", "门户语言"):
        assert words in page
    response = post(browser, "/settings/pin", pin="12", pin_again="12")
    assert page_error(response.get_data(as_text=True)) == "语音信箱密码至少 4 位数字。"
    page = browser_of(app, "boss", accept="zh-CN").get("/settings").get_data(as_text=True)
    assert "两步登录" in page and "修改密码" in page
