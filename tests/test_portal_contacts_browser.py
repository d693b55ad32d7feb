"""The phonebook in real Chromium, as a person uses it (issue 11): an extension user adds a
contact through the page, finds it by searching, and the next incoming call from that
number is named by it on the extension list's incoming-call line and notification."""

from selenium.webdriver.common.by import By

from tests.builders.esl import ringing
from tests.clients.browser import log_in, screenshot, until
from tests.test_portal_browser import NOTIFICATION_SPY


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
        live, browser, tmp_path_factory):
    log_in(browser, live.base, "102", live.passwords["102"])
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
    screenshot(browser, "contacts-en-desktop", tmp_path_factory.mktemp("screenshots"))

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
    live.switch.emit(ringing("102@pbx.local", "13912345678", uuid="c-1"))
    incoming = browser.find_element(By.ID, "incoming")
    until(incoming.is_displayed, what="the incoming-call line")
    assert incoming.text == "Incoming call from 13912345678 (Dr. Wu)"
    assert browser.execute_script("return window.shown") == [
        ["Incoming call", "Incoming call from 13912345678 (Dr. Wu)"]]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
