"""The portal in a real browser: log in, then the extension list follows the switch live."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.clients.browser import log_in, until
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
def office(tmp_path, browser):
    """A fresh office each test (their states differ); the module's one Chromium leaves
    the page, and its log, before the server stops: the next test starts clean."""
    with live_office(tmp_path) as running:
        yield running
        browser.get("about:blank")
    browser.get_log("browser")


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


def screenshot(browser, tmp_path, name):
    """Saved under $SWITCHCTL_SCREENSHOTS when set (the README's pictures), else tmp."""
    folder = Path(os.environ.get("SWITCHCTL_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / f"{name}.png"))


def fits_the_width(browser):
    return browser.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth")


def test_the_language_switch_turns_the_live_page_chinese_and_back(office, browser, tmp_path):
    log_in(browser, office.base, "102", office.passwords["102"])
    screenshot(browser, tmp_path, "extensions-en-desktop")
    browser.find_element(By.CSS_SELECTOR, 'form.language button[value="zh_Hans"]').click()
    until(lambda: browser.title == "分机 · switchctl", what="the Chinese page")
    assert browser.current_url.endswith("/extensions")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "zh-Hans"
    table = browser.find_element(By.ID, "extensions")
    until(lambda: table.get_attribute("data-live") == "on", what="the event stream")
    assert state_of(browser, "103") == "不可用"
    browser.execute_script(NOTIFICATION_SPY)
    office.switch.emit(registered("103"))
    until(lambda: state_of(browser, "103") == "空闲", what="103 idle, in Chinese")
    office.switch.emit(ringing("102@pbx.local", "13800000000", uuid="b-11"))
    incoming = browser.find_element(By.ID, "incoming")
    until(incoming.is_displayed, what="the incoming-call line")
    assert incoming.text == "来电：13800000000（ACME Sales）"
    assert browser.execute_script("return window.shown") == [
        ["来电", "来电：13800000000（ACME Sales）"]]
    screenshot(browser, tmp_path, "extensions-zh-desktop")
    browser.set_window_size(390, 844)  # a phone
    until(lambda: fits_the_width(browser), what="the page to fit a phone's width")
    assert browser.find_element(By.CSS_SELECTOR, "header nav a").is_displayed()
    screenshot(browser, tmp_path, "extensions-zh-phone")

    browser.find_element(By.CSS_SELECTOR, 'form.language button[value="en"]').click()
    until(lambda: browser.title == "Extensions · switchctl", what="the English page")
    assert fits_the_width(browser)
    screenshot(browser, tmp_path, "extensions-en-phone")
    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    until(lambda: browser.current_url.endswith("/login"), what="the login page")
    assert browser.title == "Log in · switchctl" and fits_the_width(browser)
    screenshot(browser, tmp_path, "login-en-phone")
    browser.find_element(By.CSS_SELECTOR, 'form.language button[value="zh_Hans"]').click()
    until(lambda: browser.title == "登录 · switchctl", what="the Chinese login page")
    screenshot(browser, tmp_path, "login-zh-phone")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
