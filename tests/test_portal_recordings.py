"""The recordings page (/recordings) through the real app: an extension user's own recordings
and those of calls it took part in; play (ranges), download, delete (own only, with CSRF);
another extension's ids refused with nothing changed."""

import datetime
import re

import pytest

from switchctl.models import CallRecord, Extension, Recording
from switchctl.services.logins import add_account
from tests.builders.audio import wav
from tests.clients.portal import ADMIN, EXTENSION, OPERATOR, csrf_token, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

START = datetime.datetime(2026, 11, 30, 9)
LOGINS = {"admin": ADMIN, "operator": OPERATOR, "101": EXTENSION,
          "102": ("102", "Passw0rd102")}
SOUND = wav(0.5)


@pytest.fixture
def rows(app, config, office):
    """101 recorded its call with 102 (mine); 102 recorded its call with 101 (theirs: 101
    took part); 105 recorded a call with 103 (other: none of 101's business)."""
    folder = config.media_folder / "recordings"
    folder.mkdir(parents=True)
    ext = {e.number: e for e in Extension.select()}
    made = {}
    for name, by, to, minutes in (("mine", "101", "102", 1), ("theirs", "102", "101", 2),
                                  ("other", "105", "103", 3)):
        CallRecord.create(domain=office, uuid=f"call-{name}", direction="internal",
                          caller_number=by, callee_number=to, caller_extension=ext[by],
                          callee_extension=ext[to], start=START, end=START,
                          disposition="ANSWERED")
        (folder / f"{name}.wav").write_bytes(SOUND)
        made[name] = Recording.create(domain=office, extension=ext[by], call_uuid=f"call-{name}",
                                      path=f"recordings/{name}.wav", duration=65,
                                      started=START + datetime.timedelta(minutes=minutes))
    return made


def browser_of(app, who):
    browser = app.test_client()
    if who is not None:
        assert log_in(browser, *LOGINS[who]).status_code == 302
    return browser


def listed(text):
    return [int(n) for n in re.findall(r'<tr data-recording="(\d+)"', text)]


def test_the_list_has_own_and_the_other_ends_recordings_newest_first(app, rows):
    text = browser_of(app, "101").get("/recordings").get_data(as_text=True)
    assert listed(text) == [rows["theirs"].id, rows["mine"].id]
    assert f'/recordings/{rows["mine"].id}/delete' in text
    assert f'/recordings/{rows["theirs"].id}/delete' not in text  # the other end's
    assert f'src="/recordings/{rows["theirs"].id}/audio"' in text  # but it may play it
    assert "Bob" in text and "1:05" in text and "2026-11-30 09:02:00" in text


def test_play_in_the_page_with_ranges_and_download(app, rows):
    browser = browser_of(app, "101")
    played = browser.get(f"/recordings/{rows['mine'].id}/audio")
    assert played.status_code == 200 and played.mimetype == "audio/wav"
    assert played.data == SOUND and played.headers["Accept-Ranges"] == "bytes"
    part = browser.get(f"/recordings/{rows['theirs'].id}/audio", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == SOUND[:100]
    kept = browser.get(f"/recordings/{rows['mine'].id}/download")
    assert kept.data == SOUND
    assert kept.headers["Content-Disposition"] == \
        f"attachment; filename=recording-20261130-090100-{rows['mine'].id}.wav"


def test_delete_removes_the_row_and_the_file(app, config, rows):
    browser = browser_of(app, "101")
    token = csrf_token(browser.get("/recordings").get_data(as_text=True))
    answer = browser.post(f"/recordings/{rows['mine'].id}/delete", data={"csrf_token": token})
    assert answer.location == "/recordings"
    assert "Recording deleted." in browser.get("/recordings").get_data(as_text=True)
    assert Recording.get_or_none(id=rows["mine"].id) is None
    assert not (config.media_folder / "recordings" / "mine.wav").exists()


def untouched(config, rows):
    return Recording.select().count() == 3 and all(
        (config.media_folder / row.path).exists() for row in rows.values())


def test_another_extensions_recording_is_not_found_and_nothing_changes(app, config, rows):
    browser = browser_of(app, "101")
    token = csrf_token(browser.get("/recordings").get_data(as_text=True))
    other = rows["other"].id
    for forged in (other, 999999):
        assert browser.get(f"/recordings/{forged}/audio").status_code == 404
        assert browser.get(f"/recordings/{forged}/download").status_code == 404
        answer = browser.post(f"/recordings/{forged}/delete", data={"csrf_token": token})
        assert answer.status_code == 404
    assert browser.get("/recordings/-1/audio").status_code == 404
    assert browser.get("/recordings/x/audio").status_code == 404
    # the form field or query string naming another recording changes nothing either
    answer = browser.post(f"/recordings/{rows['theirs'].id}/delete?recording_id={other}",
                          data={"csrf_token": token, "recording_id": other, "id": other})
    assert answer.status_code == 403  # the other end's: 101 may play it, not delete it
    assert untouched(config, rows)


def test_delete_needs_the_csrf_token(app, config, rows):
    browser = browser_of(app, "101")
    assert browser.post(f"/recordings/{rows['mine'].id}/delete").status_code == 400
    assert browser.post(f"/recordings/{rows['mine'].id}/delete",
                        data={"csrf_token": "forged"}).status_code == 400
    assert untouched(config, rows)


def test_staff_may_not_open_a_users_recordings_logged_out_asks_a_login(app, office, config,
                                                                       rows):
    add_account(office, "desk", "operator", "DeskPassw0rd1")
    for who in ("admin", "operator"):
        browser = browser_of(app, who)
        assert browser.get("/recordings").status_code == 403
        assert browser.get(f"/recordings/{rows['mine'].id}/audio").status_code == 403
        token = csrf_token(browser.get("/extensions").get_data(as_text=True))
        assert browser.post(f"/recordings/{rows['mine'].id}/delete",
                            data={"csrf_token": token}).status_code == 403
    anonymous = browser_of(app, None)
    assert anonymous.get("/recordings").location == "/login?next=/recordings"
    assert anonymous.get(f"/recordings/{rows['mine'].id}/audio").status_code == 302
    assert untouched(config, rows)


def test_a_gone_file_or_a_path_out_of_the_media_folder_says_so(app, config, rows):
    browser = browser_of(app, "101")
    (config.media_folder / rows["mine"].path).unlink()
    answer = browser.get(f"/recordings/{rows['mine'].id}/audio")
    assert answer.location == "/recordings"
    assert "is gone" in page_error(browser.get("/recordings").get_data(as_text=True))
    outside = config.media_folder.parent / "secret.wav"
    outside.write_bytes(b"secret")
    Recording.update(path="../secret.wav").where(Recording.id == rows["mine"].id).execute()
    assert browser.get(f"/recordings/{rows['mine'].id}/download").location == "/recordings"
    token = csrf_token(browser.get("/recordings").get_data(as_text=True))
    browser.post(f"/recordings/{rows['mine'].id}/delete", data={"csrf_token": token})
    assert "not in the media folder" in page_error(browser.get("/recordings").get_data(
        as_text=True))
    assert outside.read_bytes() == b"secret"
    assert Recording.get_or_none(id=rows["mine"].id) is not None


def test_pages_and_the_chinese_page(app, office, config, rows):
    extension = Extension.get(number="101")
    Recording.insert_many([{"domain": office, "extension": extension, "call_uuid": f"x{n}",
                            "path": f"recordings/x{n}.wav", "started": START
                            - datetime.timedelta(minutes=n)} for n in range(55)]).execute()
    browser = browser_of(app, "101")
    first = browser.get("/recordings").get_data(as_text=True)
    assert len(listed(first)) == 50 and 'rel="next" href="/recordings?page=2"' in first
    assert len(listed(browser.get("/recordings?page=2").get_data(as_text=True))) == 7
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    text = browser.get("/recordings").get_data(as_text=True)
    for words in ("录音", "时间", "对方号码", "时长", "下载", "删除", "由对方录制"):
        assert words in text, words


def test_the_call_records_page_links_each_recording_it_may_play(app, rows):
    text = browser_of(app, "101").get("/calls").get_data(as_text=True)
    assert f'href="/recordings/{rows["mine"].id}/audio"' in text
    assert f'href="/recordings/{rows["theirs"].id}/audio"' in text
    assert f'/recordings/{rows["other"].id}/' not in text


def test_the_other_end_sees_the_same_two_and_deletes_only_its_own(app, rows):
    text = browser_of(app, "102").get("/recordings").get_data(as_text=True)
    assert listed(text) == [rows["theirs"].id, rows["mine"].id]
    assert f'/recordings/{rows["theirs"].id}/delete' in text
    assert f'/recordings/{rows["mine"].id}/delete' not in text
