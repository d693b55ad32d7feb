"""The phonebook in real Chromium, as a person uses it (issue 11): an extension user adds a
contact through the page, finds it by searching, and the next incoming call from that
number is named by it on the extension list's incoming-call line and notification."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from tests.builders.esl import ringing
from tests.clients.browser import chromium, log_in, until
from tests.servers.live_office import live_office
from tests.test_portal_browser import NOTIFICATION_SPY


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    with live_office(tmp_path_factory.mktemp("office")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def names(browser):
    return [cell.text for cell in browser.find_elements(By.CSS_SELECTOR, "#contacts td.name")]


def search(browser, text):
    field = browser.find_element(By.CSS_SELECTOR, "#contact-search input[name=q]")
    field.clear()
    field.send_keys(text)
    browser.find_element(By.CSS_SELECTOR, "#contact-search button[type=submit]").click()
    until(lambda: browser.current_url.endswith("q=" + text.replace(" ", "+")),
          what=f"the search for {text}")


def test_a_contact_added_and_found_names_the_next_incoming_call(
        office, browser, tmp_path_factory):
    log_in(browser, office.base, "102", office.passwords["102"])
    browser.find_element(By.CSS_SELECTOR, 'header nav a[href="/contacts"]').click()
    until(lambda: browser.find_elements(By.ID, "contacts"), what="the contacts page")
    assert names(browser) == ["ACME Sales"]  # the shared one

    browser.find_element(By.ID, "add-contact").click()
    form = until(lambda: browser.find_elements(By.ID, "contact-form"), what="the form")[0]
    for field, value in (("phone", "139 1234 5678"), ("name", "Dr. Wu"),
                         ("email", "wu@clinic.example"), ("company", "Dental clinic")):
        form.find_element(By.NAME, field).send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, "p.flash"), what="the saved note")
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Contact Dr. Wu added."
    assert names(browser) == ["ACME Sales", "Dr. Wu"]
    save_screenshot(browser, tmp_path_factory, "contacts-en-desktop")

    search(browser, "wu")
    assert names(browser) == ["Dr. Wu"]
    row = browser.find_element(By.CSS_SELECTOR, "#contacts tbody tr")
    assert row.find_element(By.CSS_SELECTOR, ".owner").text == "Only me"
    search(browser, "1391234")
    assert names(browser) == ["Dr. Wu"]
    search(browser, "nobody")
    assert browser.find_element(By.CSS_SELECTOR, "#contacts tr.empty").text == "No data"

    browser.find_element(By.CSS_SELECTOR, 'header nav a[href="/extensions"]').click()
    table = until(lambda: browser.find_elements(By.ID, "extensions"), what="the list")[0]
    until(lambda: table.get_attribute("data-live") == "on", what="the event stream")
    browser.execute_script(NOTIFICATION_SPY)
    office.switch.emit(ringing("102@pbx.local", "13912345678", uuid="c-1"))
    incoming = browser.find_element(By.ID, "incoming")
    until(incoming.is_displayed, what="the incoming-call line")
    assert incoming.text == "Incoming call from 13912345678 (Dr. Wu)"
    assert browser.execute_script("return window.shown") == [
        ["Incoming call", "Incoming call from 13912345678 (Dr. Wu)"]]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def save_screenshot(browser, tmp_path_factory, name):
    """Into $SWITCHCTL_SCREENSHOTS when set (the README's pictures), else a temporary folder."""
    chosen = os.environ.get("SWITCHCTL_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(folder / f"{name}.png"))
