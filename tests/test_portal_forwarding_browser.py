"""Call forwarding in a real browser against ``switchctl serve``: an extension user sets a
forward-always number, activates it, and the dialplan FreeSWITCH fetches next changes;
deactivated, the extension rings again; a forward set from the phone activates it again."""

import contextlib

import pytest
import requests
from lxml import etree
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from switchctl.freeswitch import prompts
from tests.builders.dialplan import actions, bridges, call
from tests.builders.esl import NO_ROWS
from tests.clients.browser import chromium, log_in, until
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve, switchctl
from tests.fakes.fake_switch import FakeSwitch


@contextlib.contextmanager
def served_office(folder):
    """The demo office under ``switchctl serve``: (portal URL, xml_curl URL, passwords)."""
    init = switchctl(folder, "init", "--demo")
    assert init.returncode == 0, init.stderr
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS}).start()
    portal, switch_http = free_tcp_port(), free_tcp_port()
    process = start_serve(folder, f"127.0.0.1:{portal}", SWITCHCTL_ESL=f"127.0.0.1:{switch.port}",
                          SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch_http}")
    try:
        yield (f"http://127.0.0.1:{portal}", f"http://127.0.0.1:{switch_http}/xml_curl",
               demo_passwords(init.stdout))
    finally:
        process.kill()
        process.wait()
        switch.stop()


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    with served_office(tmp_path_factory.mktemp("office")) as running:
        yield running


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


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
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    return False


def submit_forwards(browser, answer="p.flash"):
    """Submit the forwarding form; returns once the next page (``answer`` in it) is in."""
    button = browser.find_element(By.ID, "save-forwards")
    button.click()
    until(lambda: gone(button), what="the form's answer")
    until(lambda: browser.find_elements(By.CSS_SELECTOR, answer), what=answer)


def test_a_forward_activated_on_the_page_changes_the_next_calls_route(office, browser):
    base, xml_curl, passwords = office
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
