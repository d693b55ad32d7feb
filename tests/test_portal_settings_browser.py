"""The settings page in real headless Chromium: the language chosen there is kept with
the login, and the pages follow it on a fresh browser that asks for English."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from tests.clients.browser import log_in, screenshot, until


def fresh_english_profile(browser, base):
    """No cookie left of any earlier visit (all the state the portal keeps in a browser),
    and a browser that asks for English."""
    browser.get(f"{base}/login")
    browser.delete_all_cookies()
    agent = browser.execute_script("return navigator.userAgent")
    browser.execute_cdp_cmd("Network.setUserAgentOverride",
                            {"userAgent": agent, "acceptLanguage": "en-US,en"})
    browser.get(f"{base}/login")


def choose_language(browser, value):
    form = browser.find_element(By.ID, "language")
    Select(form.find_element(By.NAME, "lang")).select_by_value(value)
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()


def heading(browser):
    return browser.find_element(By.TAG_NAME, "h1").text


def test_the_language_chosen_on_the_settings_page_follows_the_login(live, browser):
    fresh_english_profile(browser, live.base)
    log_in(browser, live.base, "102", live.passwords["102"])
    assert browser.title == "Extensions · switchctl"
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/settings']").click()
    until(lambda: browser.title == "Settings · switchctl", what="the settings page")
    screenshot(browser, "settings-en")

    choose_language(browser, "zh_Hans")
    until(lambda: browser.title == "设置 · switchctl", what="the page in Chinese")
    assert heading(browser) == "设置"
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "语言已保存。"
    assert browser.find_element(By.CSS_SELECTOR, "#dnd-settings h2").text == "免打扰"
    screenshot(browser, "settings-zh")
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/extensions']").click()
    until(lambda: browser.title == "分机 · switchctl", what="the extension list in Chinese")

    browser.find_element(By.CSS_SELECTOR, "form.logout button").click()
    until(lambda: browser.current_url.endswith("/login"), what="the login page")
    fresh_english_profile(browser, live.base)
    assert browser.title == "Log in · switchctl"  # logged out: the browser's language
    log_in(browser, live.base, "102", live.passwords["102"])
    assert browser.title == "分机 · switchctl"  # logged in: the login's
    browser.get(f"{live.base}/settings")
    chooser = Select(browser.find_element(By.CSS_SELECTOR, "#language select"))
    selected = chooser.first_selected_option
    assert selected.get_attribute("value") == "zh_Hans"

    choose_language(browser, "en")
    until(lambda: browser.title == "Settings · switchctl", what="the page in English")
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Language saved."
    browser.find_element(By.CSS_SELECTOR, "nav a[href='/extensions']").click()
    until(lambda: browser.title == "Extensions · switchctl", what="the list in English")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
