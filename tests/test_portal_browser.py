"""The portal in a real browser: log in, then the extension list follows the switch live."""

import pytest
from selenium.webdriver.common.by import By

from tests.clients.browser import chromium, log_in, until
from tests.servers.live_office import live_office
from tests.builders.esl import registered
from tests.builders.esl import ringing

# Stands in for the desktop-notification API, recording what the page shows with it.
NOTIFICATION_SPY = """
window.shown = [];
window.Notification = function (title, options) { window.shown.push([title, options.body]); };
window.Notification.permission = "granted";
window.reloadMarker = "still here";
"""


@pytest.fixture
def office(tmp_path):
    with live_office(tmp_path) as running:
        yield running


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def state_of(browser, number):
    return browser.find_element(
        By.CSS_SELECTOR, f'tr[data-extension="{number}"] .state').text


def test_the_extension_list_follows_the_switch_without_a_reload(office, browser):
    log_in(browser, office.base, "102", office.passwords["102"])
    table = browser.find_element(By.ID, "extensions")
    until(lambda: table.get_attribute("data-live") == "on", what="the event stream")
    assert state_of(browser, "103") == "unavailable"
    browser.execute_script(NOTIFICATION_SPY)

    office.switch.emit(registered("103"))
    until(lambda: state_of(browser, "103") == "idle", what="103 idle")
    office.switch.emit(ringing("103@pbx.local", "13800000000", uuid="b-9"))
    until(lambda: state_of(browser, "103") == "in use", what="103 in use")

    office.switch.emit(ringing("102@pbx.local", "13800000000", uuid="b-10"))
    incoming = browser.find_element(By.ID, "incoming")
    until(incoming.is_displayed, what="the incoming-call line")
    assert incoming.text == "Incoming call from 13800000000 (ACME Sales)"
    assert browser.execute_script("return window.shown") == [
        ["Incoming call", "Incoming call from 13800000000 (ACME Sales)"]]

    office.switch.cut()
    link = browser.find_element(By.ID, "switch-link")
    until(lambda: "offline" in link.text, what="the offline notice")
    until(lambda: "connected" in link.text, seconds=15, what="the switch back")
    assert browser.execute_script("return window.reloadMarker") == "still here"
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_a_wrong_password_shows_the_reason_on_the_login_page(office, browser):
    browser.get(f"{office.base}/login")
    browser.find_element(By.NAME, "username").send_keys("102")
    browser.find_element(By.NAME, "password").send_keys("not-the-password")
    browser.find_element(By.CSS_SELECTOR, "form.login button").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, ".error"), what="the error")
    assert browser.find_element(By.CSS_SELECTOR, ".error").text == \
        "Login refused: wrong extension number or password."
    assert browser.current_url.endswith("/login")
