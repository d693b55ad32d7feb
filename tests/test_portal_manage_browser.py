"""An admin in real Chromium creates an extension through the page, is shown its SIP
password once, and the phone can then register: the directory answer that the running
``switchctl serve`` gives FreeSWITCH for that user (its xml_curl endpoint, the request as
FreeSWITCH 1.10.12 sends it for a REGISTER) carries the a1-hash the password makes."""

import hashlib
import os
from pathlib import Path

import pytest
import requests
from lxml import etree
from selenium.webdriver.common.by import By
from werkzeug.security import generate_password_hash

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.models import PortalAccount
from switchctl.services.domains import find_domain
from tests.builders.captures import fields, xml_curl_body
from tests.builders.esl import NO_ROWS
from tests.clients.browser import chromium, log_in, until
from tests.clients.cli import free_tcp_port, start_serve, switchctl
from tests.clients.xml_curl import digest_response
from tests.fakes.fake_switch import FakeSwitch

DOMAIN = "pbx.local"
REGISTER = "1a_directory_sip_auth_REGISTER_1000"
ADMIN = ("boss", "AdminPassw0rd")


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """The demo office served by ``switchctl serve`` (a fake switch on its event socket),
    with an admin account; yields (portal URL, xml_curl URL)."""
    data = tmp_path_factory.mktemp("office")
    init = switchctl(data, "init", "--demo")
    assert init.returncode == 0, init.stderr
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(data)}).database)
    with db.connection_context():  # a hash quick to check: the login is not what is tested
        PortalAccount.create(domain=find_domain(DOMAIN), username=ADMIN[0], role="admin",
                             password_hash=generate_password_hash(ADMIN[1], "pbkdf2:sha256:1000"))
    db.close()
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS}).start()
    port, switch_port = free_tcp_port(), free_tcp_port()
    process = start_serve(data, f"127.0.0.1:{port}", SWITCHCTL_ESL=f"127.0.0.1:{switch.port}",
                          SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch_port}")
    try:
        yield f"http://127.0.0.1:{port}", f"http://127.0.0.1:{switch_port}/xml_curl"
    finally:
        process.kill()
        process.wait()
        switch.stop()


@pytest.fixture(scope="module")
def browser():
    driver = chromium()
    yield driver
    driver.quit()


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


def screenshot(browser, name):
    folder = os.environ.get("SWITCHCTL_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(Path(folder) / name))


def test_an_admin_creates_an_extension_that_can_then_register(office, browser):
    base, xml_curl_url = office
    assert directory_user(xml_curl_url, "150") == []  # no such user yet
    log_in(browser, base, *ADMIN)
    browser.find_element(By.LINK_TEXT, "Manage extensions").click()
    until(lambda: browser.find_elements(By.ID, "managed-extensions"), what="the admin list")
    screenshot(browser, "manage-extensions-en.png")
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
    screenshot(browser, "manage-extension-password-en.png")

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
