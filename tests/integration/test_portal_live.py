"""The whole chain on the real switch: a phone calls, FreeSWITCH's events reach switchctl,
and the called user's portal page in a real browser shows the call and the states."""

import gevent
import pytest
from selenium.webdriver.common.by import By

from tests.clients.browser import chromium, log_in, until
from tests.integration.conftest import api
from tests.integration.sip_phones import answering_phone, calling, free_udp_port, register

pytestmark = pytest.mark.integration


@pytest.fixture
def browser():
    driver = chromium()
    yield driver
    driver.quit()


def test_a_real_call_rings_in_the_called_users_portal(esl, served, sip_address, browser):
    api(esl, "sofia profile internal flush_inbound_reg 103@pbx.local")
    log_in(browser, f"http://{served.http}", "103", served["103"])
    table = browser.find_element(By.ID, "extensions")
    until(lambda: table.get_attribute("data-live") == "on", what="the event stream")

    def state_of(number):
        return browser.find_element(
            By.CSS_SELECTOR, f'tr[data-extension="{number}"] .state').text

    assert state_of("103") == "unavailable"
    port = free_udp_port()
    registering = gevent.get_hub().threadpool.spawn(register, sip_address, "103",
                                                    served["103"], port)
    until(lambda: state_of("103") == "idle", seconds=20, what="103 idle")
    assert registering.get(timeout=30)

    phone = answering_phone(port)
    caller = calling(sip_address, "101", served["101"], "103")
    incoming = browser.find_element(By.ID, "incoming")
    try:
        until(incoming.is_displayed, seconds=20, what="the incoming-call line")
        assert incoming.text == "Incoming call from 101 (Reception)"
        until(lambda: state_of("103") == "in use", seconds=20, what="103 in use")
        until(lambda: caller.poll() is not None, seconds=30, what="the call to end")
        assert caller.returncode == 0
        until(lambda: state_of("103") == "idle", seconds=20, what="103 idle again")
    finally:
        for process in (caller, phone):
            if process.poll() is None:
                process.kill()
        register(sip_address, "103", served["103"], port, expires=0)
