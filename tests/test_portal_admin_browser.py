"""The admin pages of conference rooms and queues in real headless Chromium, on a running
``switchctl serve``: an admin adds a room with its PINs and a queue with a static agent,
and a room number that is an extension is refused with the reason."""

import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.services.domains import find_domain
from switchctl.services.logins import add_account
from tests.clients.browser import chromium, log_in, until
from tests.servers.live_office import live_office


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("office")
    with live_office(folder) as running:
        db = open_database(config_module.load({"SWITCHCTL_DATA": str(folder)}).database)
        with db.connection_context():
            add_account(find_domain("pbx.local"), "boss", "admin", "AdminPassw0rd")
        db.close()
        yield running


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def fill(browser, form_id, **fields):
    form = browser.find_element(By.ID, form_id)
    for name, value in fields.items():
        field = form.find_element(By.NAME, name)
        if field.tag_name == "select":
            Select(field).select_by_value(value)
        else:
            field.clear()
            field.send_keys(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def rows(browser, table_id):
    return [" ".join(row.text.split())
            for row in browser.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr")]


def error(browser):
    found = browser.find_elements(By.CSS_SELECTOR, "p.error[role=alert]")
    return found[0].text if found else None


def screenshot(browser, name):
    """Saved under $SWITCHCTL_SCREENSHOTS when set (the README's pictures)."""
    folder = os.environ.get("SWITCHCTL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        assert browser.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_an_admin_adds_a_room_and_a_queue_with_an_agent(office, browser):
    log_in(browser, office.base, "boss", "AdminPassw0rd")
    browser.find_element(By.LINK_TEXT, "Conference rooms").click()
    until(lambda: browser.title == "Conference rooms · switchctl", what="the rooms page")
    fill(browser, "add-conference", number="800", name="Board room", admin_pin="4321",
         user_pin="1111")
    until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-room="800"]'),
          what="room 800 in the list")
    assert rows(browser, "conferences")[0].startswith("800 Board room 4321 1111")

    fill(browser, "add-conference", number="102", name="Clash", admin_pin="5555", user_pin="")
    until(lambda: error(browser), what="the clash message")
    assert error(browser) == "number 102 is an extension"
    assert browser.find_element(By.CSS_SELECTOR, "#add-conference [name=name]") \
        .get_attribute("value") == "Clash"  # the form keeps what was typed
    assert len(rows(browser, "conferences")) == 1
    screenshot(browser, "conferences-en-desktop")

    browser.find_element(By.LINK_TEXT, "Queues").click()
    until(lambda: browser.title == "Queues · switchctl", what="the queues page")
    fill(browser, "add-queue", number="600", name="Sales line", strategy="ring-all")
    until(lambda: browser.find_elements(By.ID, "add-agent"), what="the queue's agents")
    fill(browser, "add-agent", extension="103")
    until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-agent="103"]'),
          what="agent 103")
    assert rows(browser, "queue-agents") == ["103 Bob Li static Remove"]
    browser.find_element(By.LINK_TEXT, "Back to the list").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-queue="600"]'),
          what="queue 600 in the list")
    assert rows(browser, "queues")[0].startswith("600 Sales line Ring all agents at once 1")
    screenshot(browser, "queues-en-desktop")
    # the refused form's 400 is the one failed load the console reports
    assert [e for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and e["source"] != "network"] == []
