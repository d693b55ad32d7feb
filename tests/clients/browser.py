"""Real Chromium for portal tests (Debian packages chromium and chromium-driver).

WebDriver calls block this process briefly; waiting is done with ``until`` (gevent
sleeps), so a fake switch living in this process keeps serving meanwhile.
"""

import os
import shutil
from pathlib import Path

import gevent
import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def chromium():
    """A headless Chromium driver, or a skip saying what is missing."""
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Chromium is not installed (Debian packages chromium, chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # A fake microphone the page may use without asking (the web phone's tests); desktop
    # notifications allowed.
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--disable-gpu", "--window-size=1200,900",
                     "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     "--autoplay-policy=no-user-gesture-required"):
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs", {"profile.default_content_setting_values.notifications": 1})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


REPLACED = object()


def read_page(read):
    """``read()``, or REPLACED when the page it reads was replaced meanwhile: Chromium says so
    as a stale element or, asked while the next page comes in, as a node that "does not
    belong to the document", or as no document element at all yet ("no such element: html")."""
    from selenium.common.exceptions import (NoSuchElementException,
                                            StaleElementReferenceException, WebDriverException)

    try:
        return read()
    except (StaleElementReferenceException, NoSuchElementException):
        return REPLACED
    except WebDriverException as exc:
        if "does not belong to the document" in str(exc):
            return REPLACED
        raise


def until(probe, seconds=10, what="the page to change"):
    """Poll ``probe`` until it returns something true; fail with ``what`` otherwise."""
    deadline = gevent.get_hub().loop.now() + seconds
    while True:
        result = probe()
        if result:
            return result
        if gevent.get_hub().loop.now() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        gevent.sleep(0.1)


def log_in(driver, base, number, password):
    """Log in through the portal's form, as a user would; returns once on /extensions."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/login")
    driver.find_element(By.NAME, "username").send_keys(number)
    driver.find_element(By.NAME, "password").send_keys(password)
    driver.find_element(By.CSS_SELECTOR, "form.login button").click()
    until(lambda: driver.current_url.endswith("/extensions"), what="the extension list")


def log_in_as_admin(driver, base):
    """Log in as the admin boss (tests/clients/portal.ADMIN) with no earlier cookie."""
    from tests.clients.portal import ADMIN

    driver.get(f"{base}/login")
    driver.delete_all_cookies()
    log_in(driver, base, *ADMIN)


def screenshot(driver, name, folder=None):
    """The page saved as ``name``.png into $SWITCHCTL_SCREENSHOTS when set (the README's
    pictures), else into ``folder``; not at all when neither is given."""
    chosen = os.environ.get("SWITCHCTL_SCREENSHOTS") or folder
    if chosen:
        Path(chosen).mkdir(parents=True, exist_ok=True)
        assert driver.save_screenshot(str(Path(chosen) / f"{name}.png"))
