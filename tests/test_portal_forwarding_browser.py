"""Call forwarding in a real browser against ``switchctl serve``: an extension user sets a
forward-always number, activates it, and the dialplan FreeSWITCH fetches next changes;
deactivated, the extension rings again; a forward set from the phone activates it again."""

import requests
from lxml import etree
from selenium.webdriver.common.by import By

from switchctl.freeswitch import prompts
from tests.builders.dialplan import actions, bridges, call
from tests.clients.browser import REPLACED, log_in, read_page, until


def dialplan_steps(xml_curl, caller, callee):
    """The dialplan FreeSWITCH is given for a call from ``caller`` to ``callee``."""
    response = requests.post(xml_curl, data=call(caller, callee), timeout=5, headers={
        "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "freeswitch-xml/1.0"})
    assert response.status_code == 200
    return actions(etree.fromstring(response.content))


def dialplan_bridges(xml_curl, caller, callee):
    """What FreeSWITCH is told to bridge for a call from ``caller`` to ``callee``."""
    return bridges(dialplan_steps(xml_curl, caller, callee))


def set_checkbox(browser, field_id, on):
    box = browser.find_element(By.ID, field_id)
    if box.is_selected() != on:
        box.click()


def gone(element):
    return read_page(element.is_enabled) is REPLACED


def submit_forwards(browser, answer="p.flash"):
    """Submit the forwarding form; returns once the next page (``answer`` in it) is in."""
    button = browser.find_element(By.ID, "save-forwards")
    button.click()
    until(lambda: gone(button), what="the form's answer")
    until(lambda: browser.find_elements(By.CSS_SELECTOR, answer), what=answer)


def test_a_forward_activated_on_the_page_changes_the_next_calls_route(live, browser):
    base, xml_curl, passwords = live.base, live.xml_curl, live.passwords
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/102@pbx.local"]
    log_in(browser, base, "102", passwords["102"])
    browser.find_element(By.CSS_SELECTOR, 'header nav a[data-endpoint="forwarding.index"]').click()
    until(lambda: browser.current_url.endswith("/forwarding"), what="the forwarding page")

    number = browser.find_element(By.ID, "always_number")
    number.clear()
    number.send_keys("105")
    set_checkbox(browser, "always_enabled", True)
    set_checkbox(browser, "activated", False)  # configured, not yet activated
    submit_forwards(browser)
    assert browser.find_element(By.ID, "always_number").get_attribute("value") == "105"
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/102@pbx.local"]

    set_checkbox(browser, "activated", True)
    submit_forwards(browser)
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Call forwarding saved."
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/105@pbx.local"]

    set_checkbox(browser, "activated", False)
    submit_forwards(browser)
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/102@pbx.local"]
    assert browser.find_element(By.ID, "always_enabled").is_selected()
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []

    number = browser.find_element(By.ID, "always_number")
    number.clear()
    number.send_keys("102")  # itself
    submit_forwards(browser, answer="p.error")
    assert browser.find_element(By.CSS_SELECTOR, "p.error").text == \
        "Forward always: an extension cannot forward to itself"
    assert browser.find_element(By.ID, "always_number").get_attribute("value") == "102"
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/102@pbx.local"]

    # Forward-busy set from 102's phone (*72103#): forwarding is activated again, and the
    # forward-always the page kept enabled is followed again with it.
    assert ("playback", prompts.FORWARD_SET) in dialplan_steps(xml_curl, "102", "*72103#")
    browser.get(f"{base}/forwarding")
    until(lambda: browser.find_element(By.ID, "activated").is_selected(), what="activated")
    assert browser.find_element(By.ID, "always_enabled").is_selected()
    assert browser.find_element(By.ID, "busy_number").get_attribute("value") == "103"
    assert dialplan_bridges(xml_curl, "101", "102") == ["user/105@pbx.local"]
