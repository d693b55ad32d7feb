"""The web phone in real headless Chromium (a fake microphone: tests/clients/browser), on a
``switchctl serve`` of the demo office whose Verto address is a stand-in endpoint
speaking the protocol (tests/fakes/fake_verto.py): it logs in with the portal's one-time
credential, dials by keypad and by keyboard, sends keys as DTMF, holds, hangs up; an
incoming call rings with its desktop notification and is answered; the dialer logs in
again after the socket drops; moving between the framed pages keeps the connection; a
click-to-dial button in them calls from the browser."""

import hashlib

import pytest

from switchctl.models import DialerCredential
from tests.clients.browser import log_in, until
from tests.fakes.fake_verto import FakeVerto

# Desktop notifications shown by the page are recorded in window.shown (Chromium's own
# cannot be read from a test); installed before every document of the tab.
RECORD_NOTIFICATIONS = """
window.shown = [];
window.Notification = class {
  static permission = "granted";
  static requestPermission() { return Promise.resolve("granted"); }
  constructor(title, options) { this.title = title; this.body = options.body;
                                window.shown.push({title, body: options.body}); }
  close() { this.closed = true; }
};
"""


@pytest.fixture(scope="module")
def verto():
    endpoint = FakeVerto().start()
    yield endpoint
    endpoint.stop()


@pytest.fixture(scope="module")
def office(tmp_path_factory, verto):
    from tests.servers.live_office import live_office

    with live_office(tmp_path_factory.mktemp("office"), SWITCHCTL_VERTO_URL=verto.url) as found:
        yield found


@pytest.fixture(scope="module")
def phone(browser, office, verto):
    """101 logged in, on the web phone page, its dialer ready."""
    from selenium.webdriver.common.by import By

    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument",
                            {"source": RECORD_NOTIFICATIONS})
    log_in(browser, office.base, "101", office.passwords["101"])
    browser.get(f"{office.base}/phone")
    until(lambda: state(browser) == "ready", what="the dialer to be ready")
    browser.find_element(By.TAG_NAME, "body").click()
    return browser


def state(browser):
    from selenium.webdriver.common.by import By
    return browser.find_element(By.ID, "dialer-status").get_attribute("data-state")


def click(browser, element_id):
    from selenium.webdriver.common.by import By
    browser.find_element(By.ID, element_id).click()


def press(browser, keys):
    from selenium.webdriver.common.by import By
    for key in keys:
        browser.find_element(By.CSS_SELECTOR, f'.keypad button[data-key="{key}"]').click()


def in_state(browser, wanted, what=None):
    until(lambda: state(browser) == wanted, what=what or f"the dialer to say {wanted}")


def test_it_logs_in_as_the_user_with_the_portals_credential(phone, office, verto):
    login, password = verto.logins[0]
    assert login == "101@pbx.local"
    assert password and password != office.passwords["101"]
    with office.database():  # the credential the page was given: kept hashed, still good
        digest = hashlib.sha256(password.encode()).hexdigest()
        assert DialerCredential.select().where(DialerCredential.token_hash == digest).exists()


def test_a_call_by_keypad_with_a_key_pressed_in_it_and_hold(phone, verto):
    calls = len(verto.sent("verto.invite"))
    press(phone, "102")
    click(phone, "dialer-call")
    invite = verto.wait_for("verto.invite", calls + 1)
    assert invite["dialogParams"]["destination_number"] == "102"
    assert invite["dialogParams"]["caller_id_number"] == "101"
    sdp = invite["sdp"]
    assert "m=audio" in sdp and "a=fingerprint:" in sdp and "a=candidate:" in sdp  # ICE in
    in_state(phone, "active")
    assert phone.find_element("id", "dialer-party").text == "102"
    assert not phone.find_element("id", "dialer-timer").get_attribute("hidden")
    infos = len(verto.sent("verto.info"))
    press(phone, "5")
    assert verto.wait_for("verto.info", infos + 1)["dtmf"] == "5"
    click(phone, "dialer-hold")
    in_state(phone, "held")
    assert verto.sent("verto.modify")[-1]["action"] == "hold"
    click(phone, "dialer-hold")
    in_state(phone, "active")
    byes = len(verto.sent("verto.bye"))
    click(phone, "dialer-hangup")
    assert verto.wait_for("verto.bye", byes + 1)["dialogParams"]["callID"] == \
        invite["dialogParams"]["callID"]
    in_state(phone, "ended")


def test_a_call_by_keyboard_ended_by_the_far_end(phone, verto):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    calls = len(verto.sent("verto.invite"))
    field = phone.find_element(By.ID, "dialer-number")
    field.clear()
    field.send_keys("103", Keys.ENTER)
    invite = verto.wait_for("verto.invite", calls + 1)
    assert invite["dialogParams"]["destination_number"] == "103"
    in_state(phone, "active")
    verto.hang_up(invite["dialogParams"]["callID"], cause="NORMAL_CLEARING")
    in_state(phone, "ended")
    assert phone.find_element(By.ID, "dialer-hangup").get_attribute("disabled")


def test_an_incoming_call_rings_with_a_notification_and_is_answered(phone, verto):
    from selenium.webdriver.common.by import By

    answers = len(verto.sent("verto.answer"))
    call_id = verto.invite("13800000000", "ACME Sales")
    until(lambda: phone.find_element(By.ID, "dialer-incoming").is_displayed(),
          what="the incoming call")
    assert phone.find_element(By.ID, "dialer-incoming-party").text == "ACME Sales 13800000000"
    assert phone.execute_script("return window.shown")[-1] == {
        "title": "Incoming call", "body": "ACME Sales 13800000000"}
    click(phone, "dialer-answer")
    answer = verto.wait_for("verto.answer", answers + 1)
    assert answer["dialogParams"]["callID"] == call_id
    assert "a=fingerprint:" in answer["sdp"] and "a=setup:" in answer["sdp"]
    in_state(phone, "active")
    click(phone, "dialer-hangup")
    in_state(phone, "ended")


def test_a_dropped_socket_logs_in_again_with_a_new_credential(phone, verto):
    logins = len(verto.logins)
    verto.drop()
    until(lambda: len(verto.logins) > logins, seconds=15, what="a second login")
    in_state(phone, "ready")
    assert verto.logins[-1][1] != verto.logins[logins - 1][1]


def test_moving_between_portal_pages_keeps_the_dialer_and_its_buttons_call_from_it(
        phone, verto):
    from selenium.webdriver.common.by import By

    logins = len(verto.logins)
    frame = phone.find_element(By.ID, "portal-frame")
    phone.switch_to.frame(frame)
    try:
        phone.find_element(By.CSS_SELECTOR, 'nav a[data-endpoint="contacts.index"]').click()
        until(lambda: "ACME Sales" in phone.find_element(By.TAG_NAME, "body").text,
              what="the contact list in the frame")
        assert not phone.find_element(By.CSS_SELECTOR, 'a[href="/phone"]').is_displayed()
        calls = len(verto.sent("verto.invite"))
        phone.find_element(By.CSS_SELECTOR, "form.dial button").click()
    finally:
        phone.switch_to.default_content()
    invite = verto.wait_for("verto.invite", calls + 1)
    assert invite["dialogParams"]["destination_number"] == "13800000000"
    in_state(phone, "active")
    assert phone.current_url.endswith("/phone?page=%2Fcontacts")
    assert len(verto.logins) == logins  # the same connection all along
    click(phone, "dialer-hangup")
    in_state(phone, "ended")
