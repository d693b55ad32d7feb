"""The web phone on the real switch, in real headless Chromium with a fake microphone: 101
opens /phone on the served portal; its dialer logs in to mod_verto with the portal's
credential; a call it dials reaches 102's desk phone (a sipp phone that answers) and is
bridged, its media negotiated by the browser and the switch (ICE, DTLS-SRTP); and a call
from 102 rings the browser, which answers it."""

import pytest

from tests.clients.browser import chromium, log_in, until
from tests.integration.conftest import api
from tests.integration.media_phones import answering_phone, talking_call
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_recording_calls import bridged_rows
from tests.integration.test_voicemail_calls import no_channel_left

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def phone(served, freeswitch):
    if freeswitch is None:
        pytest.skip("the web phone's tests need the session's own FreeSWITCH (its Verto port)")
    driver = chromium()
    try:
        base = f"http://{served.http}"
        log_in(driver, base, "101", served["101"])
        driver.get(f"{base}/phone")
        until(lambda: state(driver) == "ready", seconds=15, what="the dialer to be ready")
        yield driver
    finally:
        driver.quit()


def state(driver):
    return driver.find_element("id", "dialer-status").get_attribute("data-state")


def test_the_browser_calls_a_desk_phone(phone, served, sip_address, fs_address, esl):
    from selenium.webdriver.common.keys import Keys

    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    callee = answering_phone(port=port)
    try:
        field = phone.find_element("id", "dialer-number")
        field.clear()
        field.send_keys("102", Keys.ENTER)
        rows = bridged_rows(esl)
        browser_leg = next(row for row in rows if row["name"].startswith("verto.rtc/"))
        assert browser_leg["cid_num"] == "101"
        until(lambda: state(phone) == "active", what="the dialer to be in the call")
        # The browser's leg: opus, over DTLS-SRTP negotiated with the browser.
        leg = browser_leg["uuid"]
        assert api(esl, f"uuid_getvar {leg} rtp_use_codec_name") == "opus"
        assert api(esl, f"uuid_getvar {leg} rtp_has_crypto").startswith("srtp:dtls:")
        phone.find_element("id", "dialer-hangup").click()
        until(lambda: state(phone) == "ended", what="the call to end")
    finally:
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)


def test_a_call_to_101_rings_the_browser_which_answers(
        phone, served, sip_address, fs_address, esl):
    caller = talking_call(sip_address, "102", served["102"], "101", talk=20)
    try:
        until(lambda: phone.find_element("id", "dialer-incoming").is_displayed(), seconds=15,
              what="the incoming call in the browser")
        assert "102" in phone.find_element("id", "dialer-incoming-party").text
        phone.find_element("id", "dialer-answer").click()
        rows = bridged_rows(esl)
        assert any(row["name"].startswith("verto.rtc/") for row in rows), rows
        until(lambda: state(phone) == "active", what="the dialer to be in the call")
        phone.find_element("id", "dialer-hangup").click()
        until(lambda: state(phone) == "ended", what="the call to end")
    finally:
        caller.stop()
    assert not no_channel_left(fs_address, seconds=10)
