"""The voicemail page (switchctl/portal/voicemail): an extension user's own mailbox, listed,
played, downloaded, marked and deleted through the same service as the phone's menu, the
lamp told of each change; every role, forged ids, CSRF, bad input, a recording gone."""

import datetime
import functools
import uuid

import pytest
from playhouse.test_utils import count_queries

from switchctl import portal
from switchctl.models import Extension, VoicemailMessage
from switchctl.services import voicemail
from switchctl.services.contacts import add_contact
from switchctl.services.domains import set_portal_enabled, set_setting
from switchctl.services.extensions import set_portal_access
from switchctl.services.logins import add_account
from tests.builders import audio
from tests.clients.portal import csrf_token, log_in, page_error

UTC = datetime.timezone.utc
wav = functools.lru_cache(audio.wav)  # made once per length: the tests leave many
LOGINS = {"extension": ("102", "Passw0rd102"), "other": ("101", "Passw0rd101"),
          "admin": ("boss", "AdminPassw0rd"), "operator": ("desk", "DeskPassw0rd1")}


@pytest.fixture
def opened(office, quick_hashes):
    """The portal open to 101 and 102. Staff accounts are made by the tests that log one
    in, their passwords hashed the quick way (scrypt's 0.2 s each was most of the time)."""
    set_portal_enabled(office, True)
    set_portal_access(office, ["101", "102"], True)
    return office


def staff(office, who):
    add_account(office, LOGINS[who][0], who, LOGINS[who][1])


@pytest.fixture
def app(config, opened):
    return portal.create_app(config)


@pytest.fixture
def media(config):
    return config.media_folder


def user(app, who="extension"):
    browser = app.test_client()
    if who is not None:
        assert log_in(browser, *LOGINS[who]).status_code == 302
    return browser


def leave(media, number="102", caller="13800000000", seconds=4, at=None, read=False,
          from_our_users=False):
    """A message left in ``number``'s mailbox as the switch and the flow leave one; ``at``
    an aware time (stored, as the flow stores it, as this machine's naive time)."""
    box = voicemail.mailbox("pbx.local", number)
    message_file = voicemail.new_message_file(media, box)
    (media / message_file.relative).write_bytes(wav(seconds))
    message = voicemail.store_message(media, box, message_file, caller,
                                      from_our_users=from_our_users).message
    changes = {"read": read}
    if at is not None:
        changes["received"] = at.astimezone().replace(tzinfo=None)
    VoicemailMessage.update(**changes).where(VoicemailMessage.id == message.id).execute()
    return VoicemailMessage.get_by_id(message.id)


def rows_of(page):
    return page.count('<tr data-message="')


def post(browser, url, **form):
    token = csrf_token(browser.get("/voicemail").get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **form})


def state(uid):
    row = VoicemailMessage.get_or_none(VoicemailMessage.uid == uid)
    return None if row is None else row.read


# The list.

@pytest.mark.both_databases
def test_the_list_shows_time_caller_duration_and_status_newest_first(app, media, office):
    set_setting(office, "timezone", "Asia/Shanghai")
    bob = Extension.get(number="102")
    add_contact(office, "Bob's dentist", "139 1234 5678", owner=bob)
    add_contact(office, "Alice's plumber", "13700000000", owner=Extension.get(number="101"))
    add_contact(office, "ACME Sales", "13800000000")
    march = datetime.datetime(2026, 3, 14, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    leave(media, caller="13800000000", at=march, read=True)
    leave(media, caller="13912345678", seconds=75, at=march + datetime.timedelta(hours=1))
    leave(media, caller="13700000000", at=march + datetime.timedelta(hours=2))
    leave(media, caller="101", at=march + datetime.timedelta(hours=3), from_our_users=True)
    add_contact(office, "Dentist, later", "13912345678")  # Bob's own contact wins
    page = user(app).get("/voicemail").get_data(as_text=True)
    assert rows_of(page) == 4
    times = [piece.split("</time>")[0].rsplit(">", 1)[1] for piece in page.split("<time")[1:]]
    assert times == ["2026-03-14 12:30", "2026-03-14 11:30", "2026-03-14 10:30",
                     "2026-03-14 09:30"]
    first, second, third, fourth = page.split('<tr data-message="')[1:]
    assert '<span class="caller-name">Alice</span>' in first  # a colleague, as stored
    assert "13700000000" in second and "caller-name" not in second  # not Bob's contact
    assert '<span class="caller-name">Bob&#39;s dentist</span>' in third
    assert '<td class="duration">1:15</td>' in third
    assert '<span class="caller-name">ACME Sales</span>' in fourth
    assert 'class="read"' in fourth and "<strong>Unread</strong>" in first
    assert 'data-new="3" data-saved="1"' in page and "Unread: 3 · Read: 1" in page


def test_the_list_costs_the_same_queries_for_one_message_or_a_page(app, media, office):
    browser = user(app)
    leave(media)
    with count_queries() as one:
        assert browser.get("/voicemail").status_code == 200
    for n in range(25):
        leave(media, caller=f"1390000{n:04d}")
    add_contact(office, "A contact", "13900000020")
    with count_queries() as page:
        text = browser.get("/voicemail").get_data(as_text=True)
    assert rows_of(text) == voicemail.PAGE_SIZE and "A contact" in text
    assert page.count == one.count <= 9


def test_pages_of_twenty_with_a_link_to_the_next(app, media):
    start = datetime.datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(23):
        leave(media, caller=f"1380000{n:04d}", at=start + datetime.timedelta(minutes=n))
    browser = user(app)
    first = browser.get("/voicemail").get_data(as_text=True)
    assert rows_of(first) == 20 and 'rel="next" href="/voicemail?page=2"' in first
    assert "13800000022" in first and "13800000002" not in first
    second = browser.get("/voicemail?page=2").get_data(as_text=True)
    assert rows_of(second) == 3 and 'rel="prev"' in second and 'rel="next"' not in second
    assert browser.get("/voicemail?page=x").status_code == 200  # bad page: the first


def test_an_empty_mailbox_says_no_data(app):
    page = user(app).get("/voicemail").get_data(as_text=True)
    assert "No data" in page and "Unread: 0 · Read: 0" in page
    assert 'id="voicemail-off"' not in page


def test_with_voicemail_off_the_page_says_no_new_message_can_come(app, media):
    leave(media)
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    page = user(app).get("/voicemail").get_data(as_text=True)
    assert 'id="voicemail-off"' in page and rows_of(page) == 1


def test_the_page_speaks_chinese(app, media):
    leave(media)
    browser = user(app)
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    page = browser.get("/voicemail").get_data(as_text=True)
    for words in ("<title>语音信箱 · switchctl</title>", "时间", "来自号码", "时长", "状态",
                  "选项", "未读", "标记为已读", "下载", "删除", "未读：1 · 已读：0"):
        assert words in page, words


# Who may see and change what.

@pytest.mark.parametrize("who", ["admin", "operator"])
def test_staff_have_no_mailbox_page(app, media, office, who):
    staff(office, who)
    message = leave(media)
    browser = user(app, who)
    assert browser.get("/voicemail").status_code == 403
    assert browser.get(f"/voicemail/{message.uid}/audio").status_code == 403
    token = csrf_token(browser.get("/extensions").get_data(as_text=True))
    for action, form in (("read", {"read": "1"}), ("delete", {})):
        answer = browser.post(f"/voicemail/{message.uid}/{action}",
                              data={"csrf_token": token, **form})
        assert answer.status_code == 403
    assert state(message.uid) is False


def test_logged_out_goes_to_the_login_page(app, media):
    message = leave(media)
    browser = app.test_client()
    for url in ("/voicemail", f"/voicemail/{message.uid}/audio",
                f"/voicemail/{message.uid}/download"):
        answer = browser.get(url)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"]


def test_another_extensions_message_is_not_found_and_stays_as_it_was(app, media):
    """Forged ids: the lookup is in the user's own mailbox, so 101's message is none of
    102's: 404 on every route, the message unchanged, its file kept, no lamp."""
    theirs = leave(media, number="101")
    mine = leave(media)
    browser = user(app)
    page = browser.get("/voicemail").get_data(as_text=True)
    assert theirs.uid not in page
    for query in ("mailbox=101", "extension=101", f"uid={theirs.uid}", "number=101"):
        listed = browser.get(f"/voicemail?{query}").get_data(as_text=True)
        assert f'data-message="{theirs.uid}"' not in listed and mine.uid in listed
    # A form naming their message, sent to my own: only the URL's message is touched.
    post(browser, f"/voicemail/{mine.uid}/read", read="1", uid=theirs.uid, mailbox="101")
    assert state(mine.uid) is True and state(theirs.uid) is False
    for route in ("audio", "download"):
        assert browser.get(f"/voicemail/{theirs.uid}/{route}").status_code == 404
    assert post(browser, f"/voicemail/{theirs.uid}/read", read="1").status_code == 404
    assert post(browser, f"/voicemail/{theirs.uid}/delete").status_code == 404
    assert state(theirs.uid) is False and (media / theirs.path).is_file()
    for forged in ("../101", str(uuid.uuid4()), theirs.uid.upper(), "1"):
        assert browser.get(f"/voicemail/{forged}/audio").status_code == 404
    assert user(app, "other").get(f"/voicemail/{theirs.uid}/audio").status_code == 200


def test_a_post_without_its_csrf_token_is_refused(app, media):
    message = leave(media)
    browser = user(app)
    assert browser.post(f"/voicemail/{message.uid}/read", data={"read": "1"}).status_code == 400
    assert browser.post(f"/voicemail/{message.uid}/delete").status_code == 400
    assert state(message.uid) is False and (media / message.path).is_file()


# Playing and downloading.

def test_the_audio_plays_with_conditional_and_range_requests(app, media):
    message = leave(media, seconds=3)
    browser = user(app)
    url = f"/voicemail/{message.uid}/audio"
    whole = browser.get(url)
    assert whole.status_code == 200 and whole.mimetype == "audio/wav"
    assert whole.data == wav(3) and whole.headers["Accept-Ranges"] == "bytes"
    assert whole.headers["Content-Disposition"].startswith("inline")
    assert whole.headers["Content-Length"] == str(len(wav(3)))
    part = browser.get(url, headers={"Range": "bytes=0-43"})
    assert part.status_code == 206 and part.data == wav(3)[:44]
    assert part.headers["Content-Range"] == f"bytes 0-43/{len(wav(3))}"
    etag = whole.headers["ETag"]
    assert browser.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert browser.get(url, headers={"Range": "bytes=99999-"}).status_code == 416
    assert state(message.uid) is False  # listening in the page marks nothing by itself


def test_the_download_is_an_attachment_with_a_safe_name(app, media, office):
    set_setting(office, "timezone", "Asia/Shanghai")
    at = datetime.datetime(2026, 3, 14, 1, 30, 5, tzinfo=UTC)
    message = leave(media, caller='+86 "138"/../0000;x', at=at)
    answer = user(app).get(f"/voicemail/{message.uid}/download")
    assert answer.status_code == 200 and answer.data == wav(4)
    assert answer.headers["Content-Disposition"] == \
        "attachment; filename=voicemail-20260314-093005-from-+861380000x.wav"


def test_a_recording_that_is_gone_is_said_so(app, media):
    message = leave(media)
    (media / message.path).unlink()
    browser = user(app)
    page = browser.get("/voicemail").get_data(as_text=True)
    assert "The recording of this message is gone." in page and "<audio" not in page
    played = browser.get(f"/voicemail/{message.uid}/audio")
    assert played.status_code == 404
    assert "it cannot be played or downloaded" in page_error(played.get_data(as_text=True))
    downloaded = browser.get(f"/voicemail/{message.uid}/download", follow_redirects=True)
    assert "it cannot be played or downloaded" in page_error(downloaded.get_data(as_text=True))
    assert post(browser, f"/voicemail/{message.uid}/delete").status_code == 302
    assert state(message.uid) is None


# Changes, and the lamp.

@pytest.fixture
def live_app(config, opened, live_view):
    view, switch = live_view
    return portal.create_app(config, view), switch


def test_marking_read_and_unread_lights_the_lamp(live_app, media):
    app, switch = live_app
    message = leave(media)
    leave(media, read=True)
    browser = user(app)
    answer = post(browser, f"/voicemail/{message.uid}/read", read="1", page="2")
    assert answer.status_code == 302 and answer.headers["Location"] == "/voicemail?page=2"
    assert state(message.uid) is True
    assert switch.wait_for_command("sendevent") == (
        "sendevent MESSAGE_WAITING MWI-Messages-Waiting: no "
        "MWI-Message-Account: sip:102@pbx.local MWI-Voice-Message: 0/2 (0/0)")
    page = browser.get("/voicemail").get_data(as_text=True)
    assert "Message marked read." in page and "Unread: 0 · Read: 2" in page
    post(browser, f"/voicemail/{message.uid}/read", read="0")
    assert state(message.uid) is False
    assert "MWI-Voice-Message: 1/1 (0/0)" in switch.wait_for_command("sendevent")


def test_deleting_takes_row_and_file_and_lights_the_lamp(live_app, media):
    app, switch = live_app
    message = leave(media)
    browser = user(app)
    answer = post(browser, f"/voicemail/{message.uid}/delete")
    assert answer.status_code == 302
    assert state(message.uid) is None and not (media / message.path).exists()
    assert "MWI-Voice-Message: 0/0 (0/0)" in switch.wait_for_command("sendevent")
    page = browser.get("/voicemail").get_data(as_text=True)
    assert "Message deleted." in page and "No data" in page


def test_without_an_event_listener_changes_still_work(app, media):
    message = leave(media)
    browser = user(app)
    assert post(browser, f"/voicemail/{message.uid}/read", read="1").status_code == 302
    assert state(message.uid) is True
    assert post(browser, f"/voicemail/{message.uid}/delete").status_code == 302
    assert state(message.uid) is None


def test_a_read_flag_that_is_neither_is_refused(app, media):
    message = leave(media)
    browser = user(app)
    for value in ("", "yes", "2", "١", "true"):
        answer = post(browser, f"/voicemail/{message.uid}/read", read=value)
        assert page_error(browser.get(answer.headers["Location"]).get_data(as_text=True)) \
            == "Choose whether the message is read or unread.", value
    assert state(message.uid) is False


def test_a_recording_that_cannot_be_removed_keeps_its_message(app, media):
    message = leave(media)
    path = media / message.path
    path.unlink()
    path.mkdir()  # unlink of a folder fails, as a file switchctl may not remove would
    browser = user(app)
    answer = post(browser, f"/voicemail/{message.uid}/delete")
    error = page_error(browser.get(answer.headers["Location"]).get_data(as_text=True))
    assert error.startswith("The message could not be deleted")
    assert state(message.uid) is False


def test_the_pages_script_marks_a_played_message_read_and_gets_the_counts(
        live_app, media, office):
    app, switch = live_app
    staff(office, "admin")
    message = leave(media)
    leave(media)
    browser = user(app)
    answer = post(browser, f"/voicemail/{message.uid}/read", read="1", reply="json")
    assert answer.status_code == 200 and answer.json == {"read": True, "new": 1, "saved": 1}
    assert "MWI-Voice-Message: 1/1 (0/0)" in switch.wait_for_command("sendevent")
    page = browser.get("/voicemail").get_data(as_text=True)
    assert page_error(page) is None and 'role="status"' not in page  # no flash left over
    refused = post(browser, f"/voicemail/{message.uid}/read", read="x", reply="json")
    assert refused.status_code == 400 and "read or unread" in refused.json["error"]
    script = browser.get("/voicemail/voicemail.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert 'src="/voicemail/voicemail.js"' in page
    assert user(app, "admin").get("/voicemail/voicemail.js").status_code == 403


def test_an_old_message_without_an_id_is_listed_for_the_phone(app, office):
    VoicemailMessage.create(domain=office, mailbox=Extension.get(number="102"),
                            caller_number="13800000000", path="voicemail/old.wav")
    page = user(app).get("/voicemail").get_data(as_text=True)
    assert "13800000000" in page and "managed from the phone only" in page
