"""The voicemail page in real Chromium against ``switchctl serve`` and a fake switch: an
extension user opens Voicemail, plays a message (which marks it read), marks it unread and
deletes it; the phone's lamp follows each change (MESSAGE_WAITING on the event socket)."""

import gevent
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.services import voicemail
from tests.builders.audio import wav
from tests.clients.browser import log_in, until

# What the page's own cookies fetch from the audio route.
FETCH = """
const done = arguments[arguments.length - 1];
fetch(arguments[0]).then(r => done([r.status, r.headers.get("Content-Type")]))
                   .catch(e => done([0, String(e)]));
"""
LAMP = "sendevent MESSAGE_WAITING MWI-Messages-Waiting: {waiting} " \
       "MWI-Message-Account: sip:102@pbx.local MWI-Voice-Message: {new}/{saved} (0/0)"


def leave_message(folder, caller):
    """A 4-second message from ``caller`` in 102's mailbox, as the flow leaves one."""
    settings = config_module.load({"SWITCHCTL_DATA": str(folder)})
    db = open_database(settings.database)
    with db.connection_context():
        box = voicemail.mailbox("pbx.local", "102")
        message_file = voicemail.new_message_file(settings.media_folder, box)
        (settings.media_folder / message_file.relative).write_bytes(wav(4))
        stored = voicemail.store_message(settings.media_folder, box, message_file, caller)
    db.close()
    assert stored.kept
    return stored.message.uid


@pytest.fixture(scope="module")
def office(live):
    live.uid = leave_message(live.folder, "13800000000")  # ACME Sales, a shared contact
    return live


def in_thread(action, *args):
    """A WebDriver call that waits for a page the server makes only once the fake switch
    (in this process's hub) has answered it: run in a thread, the hub serves meanwhile."""
    return gevent.get_hub().threadpool.apply(action, args)


def audio_state(browser):
    return browser.execute_script(
        "const a = document.querySelector('#voicemail audio');"
        "return [a.readyState, a.duration, a.currentTime, a.error && a.error.code];")


def test_a_user_plays_marks_and_deletes_a_message_and_the_lamp_follows(office, browser):
    log_in(browser, office.base, "102", office.passwords["102"])
    in_thread(browser.find_element(By.CSS_SELECTOR, 'header nav a[href="/voicemail"]').click)
    until(lambda: browser.find_elements(By.ID, "voicemail"), what="the voicemail page")
    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-message="{office.uid}"]')
    assert "13800000000" in row.text and "ACME Sales" in row.text
    assert "0:04" in row.text and "Unread" in row.text
    counts = browser.find_element(By.ID, "voicemail-counts")
    assert counts.text == "Unread: 1 · Read: 0"

    player = row.find_element(By.TAG_NAME, "audio")
    url = player.get_attribute("src")
    assert in_thread(browser.execute_async_script, FETCH, url) == [200, "audio/wav"]
    width = player.size["width"]
    # The play button of the player's controls: a person's click, which may play sound.
    ActionChains(browser).move_to_element_with_offset(player, -width // 2 + 20, 0) \
        .click().perform()
    until(lambda: audio_state(browser)[0] >= 2 and audio_state(browser)[2] > 0,
          what="the message to load and play")
    ready, duration, _, error = audio_state(browser)
    assert abs(duration - 4) < 0.1 and error is None
    # Played, it is read (as on the phone), without a reload: the counts and the lamp follow.
    assert office.switch.wait_for_command("sendevent") == LAMP.format(
        waiting="no", new=0, saved=1)
    until(lambda: counts.text == "Unread: 0 · Read: 1", what="the counts once played")
    assert row.find_element(By.CSS_SELECTOR, ".status").text == "Read"

    in_thread(row.find_element(By.CSS_SELECTOR, "form.mark button").click)  # Mark unread
    assert office.switch.wait_for_command("sendevent") == LAMP.format(
        waiting="yes", new=1, saved=0)
    until(lambda: browser.find_element(By.ID, "voicemail-counts").text ==
          "Unread: 1 · Read: 0", what="the counts after marking")
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Message marked unread."

    row = browser.find_element(By.CSS_SELECTOR, f'tr[data-message="{office.uid}"]')
    in_thread(row.find_element(By.CSS_SELECTOR, "form.delete button").click)
    assert office.switch.wait_for_command("sendevent") == LAMP.format(
        waiting="no", new=0, saved=0)
    until(lambda: not browser.find_elements(By.CSS_SELECTOR, f'tr[data-message="{office.uid}"]'),
          what="the message gone from the list")
    assert browser.find_element(By.CSS_SELECTOR, "p.flash").text == "Message deleted."
    assert browser.find_element(By.ID, "voicemail-counts").text == "Unread: 0 · Read: 0"
    assert in_thread(browser.execute_async_script, FETCH, url)[0] == 404
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"
              and "/audio" not in e["message"]]  # the 404 just asked for
    assert errors == []
