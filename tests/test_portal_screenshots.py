"""Every portal page in real Chromium, in both languages, at desktop and phone width: it
loads without an error, speaks its language, and fits the phone's width (no sideways
scrolling of the page: wide tables scroll inside their own frame). The main pages are
saved as screenshots: into ``$SWITCHCTL_SCREENSHOTS`` when set (the README's come from
``SWITCHCTL_SCREENSHOTS=docs/screenshots``), else into the test's temporary folder."""

import datetime
import os
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By

from switchctl import config as config_module
from switchctl.models import CallRecord
from switchctl.portal import nav
from switchctl.services import voicemail
from switchctl.services.contacts import add_contact
from switchctl.services.extensions import find_extension
from tests.builders.audio import wav
from tests.builders.esl import registered
from tests.clients.browser import REPLACED, log_in, log_in_as_admin, read_page, until

WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
LANGUAGES = {"en": "en", "zh_Hans": "zh-Hans"}
# The pages the README shows (endpoint: file name).
MAIN = {"extensions.index": "extensions", "contacts.index": "contacts",
        "call_records.index": "call-records", "voicemail.index": "voicemail",
        "forwarding.index": "forwarding", "settings.index": "settings",
        "extensions.manage": "manage-extensions", "dialer.index": "web-phone"}


@pytest.fixture(scope="module")
def office(live):
    with live.database() as domain:
        a_day_of_calls(domain, live.folder)
    for number in ("101", "103", "105"):
        live.switch.emit(registered(number))
    return live


def a_day_of_calls(domain, folder):
    """What the pages show in the screenshots: 102's contacts, calls and a message."""
    alice, bob = find_extension(domain, "102"), find_extension(domain, "103")
    add_contact(domain, "Dr. Wu", "13912345678", company="City Clinic", owner=alice)
    add_contact(domain, "Beijing Office", "01065550100", company="ACME")
    start = datetime.datetime(2026, 12, 1, 9, 12)
    for minutes, (caller, callee, direction, billsec) in enumerate((
            ("13800000000", "102", "inbound", 184), ("102", "103", "internal", 42),
            ("102", "913912345678", "outbound", 0), ("103", "102", "internal", 15))):
        at = start + datetime.timedelta(minutes=47 * minutes)
        ext = {"102": alice, "103": bob}
        CallRecord.create(domain=domain, uuid=f"shot-{minutes}", direction=direction,
                          caller_number=caller, callee_number=callee,
                          caller_extension=ext.get(caller), callee_extension=ext.get(callee),
                          start=at, answer=at if billsec else None, end=at, duration=billsec + 6,
                          billsec=billsec, disposition="ANSWERED" if billsec else "NO_ANSWER",
                          hangup_cause="NORMAL_CLEARING" if billsec else "NO_ANSWER")
    media = config_module.load({"SWITCHCTL_DATA": str(folder)}).media_folder
    box = voicemail.mailbox("pbx.local", "102")
    message_file = voicemail.new_message_file(media, box)
    (media / message_file.relative).write_bytes(wav(4))
    voicemail.store_message(media, box, message_file, "13800000000")


def shots_folder(tmp_path_factory):
    chosen = os.environ.get("SWITCHCTL_SCREENSHOTS")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def choose_language(browser, code):
    button = browser.find_element(By.CSS_SELECTOR, f'form.language button[value="{code}"]')
    if button.get_attribute("aria-pressed") != "true":
        button.click()
        until(lambda: page_language(browser) == LANGUAGES[code], what=f"the page in {code}")


def page_language(browser):
    lang = read_page(lambda: browser.find_element(By.TAG_NAME, "html").get_attribute("lang"))
    return None if lang is REPLACED else lang  # caught between two pages


def web_phone_in(browser, href, code):
    """The web phone page in ``code``: the language chosen in its frame (it is the
    login's), then the page opened again; its dialer column."""
    browser.switch_to.frame("portal")
    try:
        until(lambda: browser.find_elements(By.CSS_SELECTOR, "form.language"),
              what="the portal in the web phone's frame")
        choose_language(browser, code)
    finally:
        browser.switch_to.default_content()
    browser.get(href)
    until(lambda: page_language(browser) == LANGUAGES[code], what=f"the web phone in {code}")
    return browser.find_element(By.CSS_SELECTOR, "aside.dialer")


def visit_every_page(browser, links, folder, role, saved):
    """Each linked page of the header in each language at phone width (where a page can
    outgrow the screen), and the main ones at desktop width too; returns what was seen."""
    seen = []
    targets = [(link.get_attribute("data-endpoint"), link.get_attribute("href"))
               for link in links]
    for width_name, size in WIDTHS.items():
        browser.set_window_size(*size)
        for code in LANGUAGES:
            for endpoint, href in targets:
                if width_name != "phone" and endpoint not in MAIN:
                    continue
                browser.get(href)
                if endpoint in nav.WHOLE_WINDOW:  # the web phone: its frame has the header
                    page = web_phone_in(browser, href, code)
                else:
                    choose_language(browser, code)
                    page = browser.find_element(By.TAG_NAME, "main")
                assert not page.find_elements(By.CSS_SELECTOR, "p.error[role=alert]"), \
                    (endpoint, code, page.text[:200])
                overflow = browser.execute_script(
                    "return document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{endpoint} ({code}) is {overflow}px wider than {size[0]}"
                name = f"{MAIN.get(endpoint)}-{code.split('_')[0]}-{width_name}.png"
                if endpoint in MAIN and name not in saved:  # an extension user's, first
                    browser.save_screenshot(str(folder / name))
                    saved.add(name)
                seen.append((role, endpoint, code, width_name))
    return seen


def expected(role):
    return {endpoint for endpoint, _, roles in nav.PAGES + nav.ADMIN_PAGES if role in roles}


def test_every_page_loads_in_both_languages_and_fits_a_phone(office, browser, tmp_path_factory):
    folder = shots_folder(tmp_path_factory)
    log_in(browser, office.base, "102", office.passwords["102"])
    links = browser.find_elements(By.CSS_SELECTOR, "header.top nav a")
    saved = set()
    seen = visit_every_page(browser, links, folder, "extension", saved)
    log_in_as_admin(browser, office.base)
    links = browser.find_elements(By.CSS_SELECTOR, "header.top nav a")
    seen += visit_every_page(browser, links, folder, "admin", saved)

    for role in ("extension", "admin"):  # every page of nav.py exists, in both languages
        for code in LANGUAGES:
            assert {endpoint for who, endpoint, language, width in seen
                    if who == role and language == code and width == "phone"} == expected(role)
    shots = {path.name for path in folder.glob("*.png")}
    assert {f"{name}-{lang}-{width}.png" for name in MAIN.values() for lang in ("en", "zh")
            for width in WIDTHS} <= shots
