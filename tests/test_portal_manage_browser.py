"""An admin in real Chromium creates an extension through the page, is shown its SIP
password once, and the phone can then register: the directory answer that the running
``switchctl serve`` gives FreeSWITCH for that user (its xml_curl endpoint, the request as
FreeSWITCH 1.10.12 sends it for a REGISTER) carries the a1-hash the password makes."""

import hashlib

import requests
from lxml import etree
from selenium.webdriver.common.by import By

from tests.builders.captures import fields, xml_curl_body
from tests.clients.browser import log_in, screenshot, until
from tests.clients.portal import ADMIN
from tests.clients.xml_curl import digest_response

DOMAIN = "pbx.local"
REGISTER = "1a_directory_sip_auth_REGISTER_1000"


def directory_user(xml_curl_url, number):
    """What serve answers FreeSWITCH's REGISTER challenge lookup of ``number@pbx.local``."""
    body = xml_curl_body(REGISTER, key_value=DOMAIN, sip_auth_username=number,
                         sip_auth_realm=DOMAIN, user=number, domain=DOMAIN)
    response = requests.post(xml_curl_url, data=body, timeout=10, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    return root.xpath(f"//domain[@name='{DOMAIN}']/users/user[@id='{number}']")


def a1_hash(user):
    return user.xpath("params/param[@name='a1-hash']/@value")[0]


def test_an_admin_creates_an_extension_that_can_then_register(live, browser):
    base, xml_curl_url = live.base, live.xml_curl
    assert directory_user(xml_curl_url, "150") == []  # no such user yet
    log_in(browser, base, *ADMIN)
    browser.find_element(By.LINK_TEXT, "Manage extensions").click()
    until(lambda: browser.find_elements(By.ID, "managed-extensions"), what="the admin list")
    screenshot(browser, "manage-extensions-en")
    browser.find_element(By.ID, "new-extension").click()
    form = until(lambda: browser.find_elements(By.ID, "extension-form"), what="the form")[0]
    form.find_element(By.NAME, "number").send_keys("150")
    form.find_element(By.NAME, "name").send_keys("Grace Hopper")
    form.find_element(By.CSS_SELECTOR, "select[name=department] option:nth-child(2)").click()
    form.find_element(By.NAME, "portal_enabled").click()
    browser.find_element(By.ID, "save-extension").click()
    shown = until(lambda: browser.find_elements(By.ID, "sip-password"), what="the password")
    password = shown[0].text
    assert len(password) == 16 and password.isalnum()
    screenshot(browser, "manage-extension-password-en")

    (user,) = directory_user(xml_curl_url, "150")
    ha1 = hashlib.md5(f"150:{DOMAIN}:{password}".encode()).hexdigest()
    assert a1_hash(user) == ha1
    # The digest a phone makes from that password verifies against what serve gave.
    challenge = {**fields(REGISTER), "sip_auth_username": "150", "sip_auth_realm": DOMAIN}
    assert digest_response(a1_hash(user), challenge) == digest_response(ha1, challenge)

    # Shown once: the list and the extension's page do not show it again.
    browser.find_element(By.LINK_TEXT, "Back to the extensions").click()
    row = until(lambda: browser.find_elements(By.CSS_SELECTOR, 'tr[data-extension="150"]'),
                what="150 in the list")[0]
    assert "Grace Hopper" in row.text and password not in browser.page_source
    # A reset: a new password shown once, and the directory serves its hash at once.
    row.find_element(By.LINK_TEXT, "Edit").click()
    until(lambda: browser.find_elements(By.ID, "reset-password"), what="the edit page")[0].click()
    renewed = until(lambda: browser.find_elements(By.ID, "sip-password"),
                    what="the new password")[0].text
    assert renewed != password
    (user,) = directory_user(xml_curl_url, "150")
    assert a1_hash(user) == hashlib.md5(f"150:{DOMAIN}:{renewed}".encode()).hexdigest()
