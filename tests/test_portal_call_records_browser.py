"""The call records page in real headless Chromium: an extension user searches by the CooVox
manual's example (2018-03-14, the calls between 104 and 107) and downloads them as CSV."""

import csv
import datetime
import io

import gevent
import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.models import CallRecord
from switchctl.services.domains import find_domain
from switchctl.services.extensions import add_extension, find_extension
from tests.clients.browser import log_in, until

DAY = datetime.date(2018, 3, 14)


@pytest.fixture(scope="module")
def office(live):
    store_calls(live.folder)
    return live


def store_calls(data):
    """In the office's database: 107 (Dan), and calls of 104 (Carol Wang) with 107 on the
    manual's day and around it, and calls of others."""
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(data)}).database)
    with db.connection_context():
        domain = find_domain("pbx.local")
        dan = add_extension(domain, "107", "Dan", "Passw0rd107")[0]
        ext = {"104": find_extension(domain, "104"), "105": find_extension(domain, "105"),
               "107": dan}
        for uuid, caller, callee, day, hour in (
                ("a", "104", "107", DAY, 9), ("b", "107", "104", DAY, 15),
                ("c", "104", "105", DAY, 10), ("d", "104", "107", DAY + datetime.timedelta(1), 9),
                ("e", "107", "104", DAY - datetime.timedelta(1), 23), ("f", "107", "105", DAY, 11)):
            start = datetime.datetime.combine(day, datetime.time(hour))
            CallRecord.create(domain=domain, uuid=uuid, direction="internal",
                              caller_number=caller, callee_number=callee,
                              caller_extension=ext[caller], callee_extension=ext[callee],
                              start=start, end=start, duration=30, billsec=25,
                              disposition="ANSWERED", hangup_cause="NORMAL_CLEARING")
    db.close()


def listed(browser):
    return [row.get_attribute("data-uuid")
            for row in browser.find_elements(By.CSS_SELECTOR, "#call-records tbody tr[data-uuid]")]


def type_day(field, day):
    """Type a day into a date field as a person does (month, day, year in an en-US
    Chromium), checking the field took it."""
    field.send_keys(day.strftime("%m%d%Y"))
    until(lambda: field.get_attribute("value") == day.isoformat(), what=f"the date {day}")


def test_search_by_the_manuals_example_and_download_it(office, browser):
    log_in(browser, office.base, "104", office.passwords["104"])
    browser.find_element(By.LINK_TEXT, "Call records").click()
    until(lambda: browser.current_url.endswith("/calls"), what="the call records page")
    assert listed(browser) == ["d", "b", "c", "a", "e"]  # all of 104's, newest first

    type_day(browser.find_element(By.ID, "call-start"), DAY)
    type_day(browser.find_element(By.ID, "call-end"), DAY)
    Select(browser.find_element(By.ID, "call-kind")).select_by_visible_text("All")
    browser.find_element(By.ID, "call-number").send_keys("107")
    browser.find_element(By.CSS_SELECTOR, "#call-search button[type=submit]").click()
    until(lambda: "number=107" in browser.current_url, what="the search")
    assert listed(browser) == ["b", "a"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#call-records tbody tr")
    assert [row.find_element(By.CSS_SELECTOR, ".other .name").text for row in rows] == \
        ["Dan", "Dan"]
    assert rows[0].find_element(By.CSS_SELECTOR, ".direction").text == "Internal, received"
    assert rows[1].find_element(By.CSS_SELECTOR, ".time").text == "2018-03-14 09:00:00"

    link = browser.find_element(By.ID, "call-export").get_attribute("href")
    cookies = {c["name"]: c["value"] for c in browser.get_cookies()}
    answer = gevent.get_hub().threadpool.apply(
        lambda: requests.get(link, cookies=cookies, timeout=10))
    assert answer.status_code == 200
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calls-104.csv"'
    found = list(csv.DictReader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert [(r["uuid"], r["start"], r["other_party"], r["other_party_name"]) for r in found] == \
        [("b", "2018-03-14 15:00:00", "107", "Dan"), ("a", "2018-03-14 09:00:00", "107", "Dan")]
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
