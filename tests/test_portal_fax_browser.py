"""The send-fax page in real Chromium against ``switchctl serve`` and a fake switch: an
extension user drops a PNG on the drop zone (WebDriver cannot drag the computer's files:
the drop is a DataTransfer of Files made in the page from the test's bytes), sees it
listed with its preview, removes it, drops two (and picks a third with the file picker,
removed again), sends them, and finds the fax in the log;
the serve's fax sender then calls it out through the trunk. Files over the domain's limits
are marked on the page and the form is not sent."""

import base64

import gevent
import pytest
from selenium.webdriver.common.by import By

from tests.builders.fax import png_page
from tests.clients.browser import log_in, until

# Drop ``arguments[1]`` ([name, base64] pairs) on ``arguments[0]`` as a person's drag would.
DROP = """
const [zone, files] = arguments;
const transfer = new DataTransfer();
for (const [name, data] of files) {
  const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
  transfer.items.add(new File([bytes], name, {type: "image/png"}));
}
for (const type of ["dragenter", "dragover", "drop"]) {
  zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                          cancelable: true}));
}
"""
# Drop files of the sizes ``arguments[1]`` ([name, bytes] pairs; zeros: only the size counts).
DROP_SIZED = """
const [zone, files] = arguments;
const transfer = new DataTransfer();
for (const [name, size] of files) {
  transfer.items.add(new File([new Uint8Array(size)], name, {type: "image/png"}));
}
for (const type of ["dragenter", "dragover", "drop"]) {
  zone.dispatchEvent(new DragEvent(type, {dataTransfer: transfer, bubbles: true,
                                          cancelable: true}));
}
"""
CHOSEN = """
return {files: Array.from(document.getElementById("fax-files").files, f => f.name),
        listed: Array.from(document.querySelectorAll("#fax-chosen li"), li => [
          li.dataset.name, li.querySelector(".file").textContent,
          (li.querySelector("img.preview") || {}).naturalWidth || 0])};
"""


@pytest.fixture(scope="module")
def office(live):
    return live


def drop(browser, *names):
    page = base64.b64encode(png_page()).decode()
    browser.execute_script(DROP, browser.find_element(By.ID, "fax-drop"),
                           [[name, page] for name in names])


def chosen(browser):
    return browser.execute_script(CHOSEN)


def previews_loaded(browser, count):
    found = chosen(browser)
    return len(found["listed"]) == count and all(width > 0 for *_, width in found["listed"])


def in_thread(action, *args):
    """A WebDriver call run in a thread: the fake switch (in this hub) serves meanwhile."""
    return gevent.get_hub().threadpool.apply(action, args)


def test_a_user_drops_files_and_sends_them_as_a_fax(office, browser, tmp_path):
    log_in(browser, office.base, "102", office.passwords["102"])
    browser.find_element(By.CSS_SELECTOR, 'header nav a[href="/fax"]').click()
    until(lambda: browser.find_elements(By.ID, "fax-log"), what="the fax log")
    browser.find_element(By.ID, "fax-send").click()
    until(lambda: browser.find_elements(By.ID, "fax-form"), what="the send page")

    drop(browser, "invoice.png")
    until(lambda: previews_loaded(browser, 1), what="the dropped file's preview")
    found = chosen(browser)
    assert found["files"] == ["invoice.png"]  # in the form's own file field
    name, line, width = found["listed"][0]
    assert name == "invoice.png" and line.startswith("invoice.png · ") and line.endswith(" KB")
    assert width == 800  # the image itself, shown from its object URL
    browser.find_element(By.CSS_SELECTOR, "#fax-chosen li button.remove").click()
    assert chosen(browser) == {"files": [], "listed": []}

    drop(browser, "page-1.png", "page-2.png")
    until(lambda: previews_loaded(browser, 2), what="two previews")
    assert chosen(browser)["files"] == ["page-1.png", "page-2.png"]
    picked = tmp_path / "picked.png"  # the file picker adds after those dropped
    picked.write_bytes(png_page())
    browser.find_element(By.ID, "fax-files").send_keys(str(picked))
    until(lambda: previews_loaded(browser, 3), what="the picked file's preview")
    assert chosen(browser)["files"] == ["page-1.png", "page-2.png", "picked.png"]
    browser.find_elements(By.CSS_SELECTOR, "#fax-chosen li button.remove")[2].click()
    assert chosen(browser)["files"] == ["page-1.png", "page-2.png"]
    assert not browser.find_element(By.ID, "fax-cover-fields").is_displayed()
    browser.find_element(By.ID, "fax-number").send_keys("95550100")
    browser.find_element(By.ID, "fax-submit").click()
    until(lambda: browser.current_url.endswith("/fax"), seconds=20, what="the log")
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Fax queued."
    rows = browser.find_elements(By.CSS_SELECTOR, "#fax-log tbody tr[data-fax]")
    assert len(rows) == 1
    row = rows[0]
    # Queued; the serve's fax sender may have claimed it already (it ticks every second).
    assert row.find_element(By.CSS_SELECTOR, ".status").text in ("Queued", "Sending")
    assert row.find_element(By.CSS_SELECTOR, ".pages").text == "0/2"
    assert row.find_element(By.CSS_SELECTOR, ".remote").text == "95550100"
    assert row.find_element(By.CSS_SELECTOR, ".direction").text == "Outgoing"
    job = row.get_attribute("data-fax")

    command = office.switch.wait_for_command("bgapi originate")
    assert f"switchctl_fax_job={job}" in command and "sofia/gateway/trunk/5550100" in command
    in_thread(browser.refresh)
    until(lambda: browser.find_element(By.CSS_SELECTOR, f'tr[data-fax="{job}"] .status').text
          == "Sending", what="the fax being sent")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_files_too_large_are_marked_and_the_form_is_not_sent(office, browser):
    browser.get(f"{office.base}/login")
    browser.delete_all_cookies()  # whoever the browser was logged in as before
    log_in(browser, office.base, "101", office.passwords["101"])
    browser.get(office.base + "/fax/send")
    form = until(lambda: browser.find_elements(By.ID, "fax-form"), what="the send page")[0]
    each, total = (int(form.get_attribute(f"data-{name}-bytes")) for name in ("each", "total"))
    zone = browser.find_element(By.ID, "fax-drop")
    browser.execute_script(DROP_SIZED, zone, [["small.png", 1000], ["huge.png", each + 1]])
    marked = browser.find_elements(By.CSS_SELECTOR, "#fax-chosen li.too-large")
    assert [item.get_attribute("data-name") for item in marked] == ["huge.png"]
    assert marked[0].find_element(By.CSS_SELECTOR, ".error").text == \
        f"too large: at most {each // 2 ** 20} MB per file"
    browser.find_element(By.ID, "fax-number").send_keys("95550100")
    problem = browser.find_element(By.ID, "fax-too-large")
    assert not problem.is_displayed()
    browser.find_element(By.ID, "fax-submit").click()
    assert problem.is_displayed() and problem.text.startswith(
        "The files are too large to send together: at most ")
    assert browser.current_url.endswith("/fax/send")  # not sent
    browser.find_elements(By.CSS_SELECTOR, "#fax-chosen li button.remove")[1].click()
    assert not problem.is_displayed()
    # Each file within the limit, all of them together over what one fax may carry.
    count = total // each + 1
    browser.execute_script(DROP_SIZED, zone, [[f"part{n}.png", each] for n in range(count)])
    assert browser.find_elements(By.CSS_SELECTOR, "#fax-chosen li.too-large") == []
    browser.find_element(By.ID, "fax-submit").click()
    assert problem.is_displayed() and browser.current_url.endswith("/fax/send")
    assert "Fax queued." not in browser.page_source
