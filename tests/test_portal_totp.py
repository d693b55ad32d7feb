"""The optional TOTP second factor of admin and operator accounts: codes for fixed times
(pyotp makes them; nothing sleeps), each good once and ±1 step of drift; the login's
second step, counted by the throttle; enrolling and turning it off on the settings page;
``switchctl portal totp-reset``."""

import base64
import hashlib
import hmac
import re
import time

import pyotp
import pytest

from switchctl.cli import build_parser
from switchctl.models import PortalAccount, PortalSession
from switchctl.portal.auth.views import PENDING, PENDING_SECONDS
from switchctl.portal.throttle import NAME_LIMIT
from switchctl.services import ValidationError, totp
from switchctl.services.logins import add_account
from tests.clients.portal import csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
T = 1_800_000_000  # a fixed moment (the start of a 30-second step)
STEP = T // 30


def code_at(moment, secret=SECRET):
    return pyotp.TOTP(secret).at(moment)


def code_now(offset=0, secret=SECRET):
    return code_at(time.time() + offset, secret)


def boss():
    return PortalAccount.get(PortalAccount.username == "boss")


def with_secret(secret=SECRET):
    """boss has the second factor on (its enrolling code used the step before now)."""
    PortalAccount.update(totp_secret=secret, totp_last_step=int(time.time()) // 30 - 1).where(
        PortalAccount.username == "boss").execute()


# The codes.

def test_a_code_is_good_for_its_step_and_one_either_side():
    assert totp.matching_step(SECRET, code_at(T), at=T) == STEP
    assert totp.matching_step(SECRET, code_at(T - 30), at=T) == STEP - 1
    assert totp.matching_step(SECRET, code_at(T + 30), at=T + 29) == STEP + 1
    for far in (T - 60, T + 60, T + 3600):
        assert totp.matching_step(SECRET, code_at(far), at=T) is None
    spaced = code_at(T)[:3] + " " + code_at(T)[3:]
    assert totp.matching_step(SECRET, spaced, at=T) == STEP
    for odd in ("", "12345", "1234567", "abcdef", "١٢٣٤٥٦", None):
        assert totp.matching_step(SECRET, odd, at=T) is None
    assert totp.matching_step("", code_at(T), at=T) is None


def test_a_new_secret_is_random_base32_and_its_uri_names_the_account():
    first, second = totp.new_secret(), totp.new_secret()
    assert first != second and len(first) == 32 and re.fullmatch(r"[A-Z2-7]+", first)
    uri = totp.provisioning_uri(first, "boss", "pbx.local")
    assert uri.startswith("otpauth://totp/switchctl:boss%40pbx.local?")
    assert f"secret={first}" in uri and "issuer=switchctl" in uri


def test_the_secret_being_enrolled_is_derived_from_the_key_the_account_and_the_nonce():
    nonce = totp.new_nonce()
    assert nonce != totp.new_nonce() and len(nonce) >= 20
    secret = totp.enrolment_secret("key", 7, nonce)
    assert len(secret) == 32 and re.fullmatch(r"[A-Z2-7]+", secret)
    assert totp.enrolment_secret(b"key", 7, nonce) == secret  # the same on every request
    digest = hmac.new(b"key", f"totp-enrol:7:{nonce}".encode(), hashlib.sha256).digest()
    assert secret == base64.b32encode(digest).decode()[:32]
    assert secret not in {totp.enrolment_secret("other key", 7, nonce),
                          totp.enrolment_secret("key", 8, nonce),
                          totp.enrolment_secret("key", 7, totp.new_nonce())}


@pytest.mark.both_databases
def test_a_code_is_accepted_once_and_never_an_older_one(office):
    account = add_account(office, "ops", "operator", "OperPassw0rd")
    assert not totp.accept_code(account.id, code_at(T), at=T)  # no secret: no code
    with pytest.raises(totp.CodeRefused):  # enrolling with a wrong code stores nothing
        totp.enable(account.id, SECRET, code_at(T + 90), at=T)
    assert not totp.has_secret(account.id)
    totp.enable(account.id, SECRET, code_at(T - 30), at=T)
    assert totp.has_secret(account.id)
    assert not totp.accept_code(account.id, code_at(T - 30), at=T)  # used to enrol
    assert totp.accept_code(account.id, code_at(T), at=T)
    assert not totp.accept_code(account.id, code_at(T), at=T)  # once
    assert not totp.accept_code(account.id, code_at(T), at=T + 30)
    assert totp.accept_code(account.id, code_at(T + 30), at=T + 30)
    assert not totp.accept_code(account.id, code_at(T), at=T + 30)  # older: never again
    assert PortalAccount.get_by_id(account.id).totp_last_step == STEP + 1


# The login's second step.

def test_an_account_with_a_secret_logs_in_with_its_password_then_a_code(app):
    with_secret()
    browser = app.test_client()
    response = log_in(browser, "boss", "AdminPassw0rd", next_url="/settings")
    assert response.status_code == 302 and response.location == "/login"
    assert PortalSession.select().count() == 0  # no session before the code
    assert browser.get("/settings").status_code == 302
    page = browser.get("/login").get_data(as_text=True)
    assert 'id="totp-code"' in page and 'autocomplete="one-time-code"' in page
    response = browser.post("/login", data={"code": "000000", "csrf_token": csrf_token(page)})
    assert response.status_code == 401
    assert page_error(response.get_data(as_text=True)) == \
        "Login refused: the code is wrong or was used already."
    code = code_now()
    response = browser.post("/login", data={"code": code, "csrf_token": csrf_token(page)})
    assert response.status_code == 302 and response.location == "/settings"
    assert browser.get("/settings").status_code == 200
    assert browser.get("/login").status_code == 302  # logged in: nothing more to ask
    assert PortalSession.select().count() == 1
    other = app.test_client()  # the same code again, within its step: used
    log_in(other, "boss", "AdminPassw0rd")
    token = csrf_token(other.get("/login").get_data(as_text=True))
    assert other.post("/login", data={"code": code, "csrf_token": token}).status_code == 401
    assert PortalSession.select().count() == 1


def test_wrong_codes_are_counted_as_failed_logins(app):
    with_secret()
    browser = app.test_client()
    log_in(browser, "boss", "AdminPassw0rd")
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    for wrong in range(NAME_LIMIT):
        response = browser.post("/login", data={"code": f"{wrong:06d}", "csrf_token": token})
        assert response.status_code == 401
    response = browser.post("/login", data={"code": code_now(), "csrf_token": token})
    assert response.status_code == 429
    # The right password again does not forget them: it gives no more guesses at the code.
    assert log_in(app.test_client(), "boss", "AdminPassw0rd").status_code == 429
    assert PortalSession.select().count() == 0


def asks_for(browser):
    page = browser.get("/login").get_data(as_text=True)
    return "code" if 'id="totp-code"' in page else "password"


def test_the_code_step_needs_a_right_password_first_and_in_time(app):
    with_secret()
    browser = app.test_client()
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    response = browser.post("/login", data={"code": code_now(), "csrf_token": token})
    assert response.status_code == 400 and asks_for(browser) == "password"  # no password
    assert log_in(browser, "boss", "wrong-password").status_code == 401
    assert asks_for(browser) == "password"
    log_in(browser, "boss", "AdminPassw0rd")
    assert asks_for(browser) == "code"
    with browser.session_transaction() as session:
        session[PENDING] = {**session[PENDING], "at": time.time() - PENDING_SECONDS - 1}
    assert asks_for(browser) == "password"  # too late: the password again
    response = browser.post("/login", data={"code": code_now(), "csrf_token": token})
    assert response.status_code == 400 and PortalSession.select().count() == 0
    log_in(browser, "boss", "AdminPassw0rd")
    assert browser.get("/login?again=1").status_code == 200  # "start again"
    assert asks_for(browser) == "password"
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    log_in(browser, "boss", "AdminPassw0rd")
    assert browser.post("/login", data={"code": code_now()}).status_code == 400
    page = browser.get("/login").get_data(as_text=True)
    assert "身份验证器" in page and "验证码" in page
    response = browser.post("/login", data={"code": "", "csrf_token": csrf_token(page)})
    assert response.status_code == 400
    assert page_error(response.get_data(as_text=True)) == "请输入身份验证器应用的 6 位验证码。"
    assert PortalSession.select().count() == 0


# Enrolling and turning it off on the settings page.

def settings_post(browser, path, **form):
    token = csrf_token(browser.get("/settings").get_data(as_text=True))
    return browser.post(path, data={**form, "csrf_token": token})


def logged_in_boss(app):
    browser = app.test_client()
    assert log_in(browser, "boss", "AdminPassw0rd").status_code == 302
    return browser


def test_enrolling_shows_the_secret_and_a_right_code_turns_it_on(app):
    browser, other = logged_in_boss(app), logged_in_boss(app)
    assert settings_post(browser, "/settings/totp/start").status_code == 302
    page = browser.get("/settings").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    uri = re.search(r'id="totp-uri">([^<]+)<', page).group(1)
    assert "otpauth://totp/switchctl:boss%40pbx.local?" in uri and secret in uri
    response = settings_post(browser, "/settings/totp/confirm", code=code_now(+90, secret),
                             password="AdminPassw0rd")
    assert response.status_code == 400
    assert page_error(response.get_data(as_text=True)).startswith("That code is not right")
    assert not boss().totp_secret
    enrolling_code = code_now(secret=secret)
    for typed, message in (("", "Enter your current password too."),
                           ("wrong", "The current password is wrong.")):
        response = settings_post(browser, "/settings/totp/confirm", code=enrolling_code,
                                 password=typed)
        assert response.status_code == 400
        assert page_error(response.get_data(as_text=True)) == message
    assert not boss().totp_secret and other.get("/settings").status_code == 200
    assert settings_post(browser, "/settings/totp/confirm", code=enrolling_code,
                         password="AdminPassw0rd").status_code == 302
    assert boss().totp_secret == secret
    page = browser.get("/settings").get_data(as_text=True)  # this browser: a new session
    assert 'id="totp-disable"' in page and secret not in page
    assert other.get("/settings").status_code == 302  # opened without it: ended
    fresh = app.test_client()
    log_in(fresh, "boss", "AdminPassw0rd")
    token = csrf_token(fresh.get("/login").get_data(as_text=True))
    assert fresh.post("/login", data={"code": enrolling_code,
                                      "csrf_token": token}).status_code == 401


def test_enrolling_can_be_cancelled_and_is_not_started_twice(app):
    browser = logged_in_boss(app)
    settings_post(browser, "/settings/totp/start")
    settings_post(browser, "/settings/totp/cancel")
    page = browser.get("/settings").get_data(as_text=True)
    assert 'id="totp-start"' in page and 'id="totp-secret"' not in page
    response = settings_post(browser, "/settings/totp/confirm", code="123456",
                             password="AdminPassw0rd")
    assert response.status_code == 400 and not boss().totp_secret
    with_secret()
    assert settings_post(browser, "/settings/totp/start").status_code == 400
    assert boss().totp_secret == SECRET


def test_guessing_the_password_to_turn_it_on_is_throttled_as_logging_in_is(app):
    browser = logged_in_boss(app)
    settings_post(browser, "/settings/totp/start")
    page = browser.get("/settings").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    for _ in range(NAME_LIMIT):
        response = settings_post(browser, "/settings/totp/confirm", code=code_now(secret=secret),
                                 password="guess")
        assert response.status_code == 400
    response = settings_post(browser, "/settings/totp/confirm", code=code_now(secret=secret),
                             password="AdminPassw0rd")
    assert response.status_code == 429
    assert page_error(response.get_data(as_text=True)).startswith("Too many failed logins.")
    assert not boss().totp_secret


def test_it_turns_off_with_a_code_or_the_password_and_not_with_a_wrong_one(app):
    with_secret()
    browser = app.test_client()
    log_in(browser, "boss", "AdminPassw0rd")
    token = csrf_token(browser.get("/login").get_data(as_text=True))
    browser.post("/login", data={"code": code_now(), "csrf_token": token})
    for form in ({"code": "000000"}, {"password": "wrong"}, {}):
        assert settings_post(browser, "/settings/totp/disable", **form).status_code == 400
        assert boss().totp_secret == SECRET
    response = settings_post(browser, "/settings/totp/disable", code=code_now(+30))
    assert response.status_code == 302 and not boss().totp_secret
    with_secret()
    settings_post(browser, "/settings/totp/disable", password="AdminPassw0rd")
    assert not boss().totp_secret
    assert log_in(app.test_client(), "boss", "AdminPassw0rd").location == "/extensions"


# The command line.

def test_totp_reset_from_the_command_line(app, office, capsys):
    with_secret()
    args = build_parser().parse_args(["portal", "totp-reset", "boss"])
    assert args.handler(office, args) == 0
    assert not boss().totp_secret and boss().totp_last_step == 0
    assert "two-step login turned off for boss" in capsys.readouterr().out
    args = build_parser().parse_args(["portal", "totp-reset", "nobody"])
    with pytest.raises(ValidationError, match="no such account: nobody"):
        args.handler(office, args)
