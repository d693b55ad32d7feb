"""The admin pages of conference rooms and queues in real headless Chromium, on a running
``switchctl serve``: an admin adds a room with its PINs and a queue with a static agent,
and a room number that is an extension is refused with the reason."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.clients.browser import log_in, screenshot, until


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


def test_an_admin_adds_a_room_and_a_queue_with_an_agent(live, browser):
    log_in(browser, live.base, "boss", live.passwords["boss"])
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
    assert rows(browser, "queue-agents") == ["103 Bob Li static logged in Remove"]
    browser.find_element(By.LINK_TEXT, "Back to the list").click()
    until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-queue="600"]'),
          what="queue 600 in the list")
    assert rows(browser, "queues")[0].startswith("600 Sales line Ring all agents at once 1")
    screenshot(browser, "queues-en-desktop")
    # the refused form's 400 is the one failed load the console reports
    assert [e for e in browser.get_log("browser")
            if e["level"] == "SEVERE" and e["source"] != "network"] == []
