"""Recorded calls (services/recordings.py): who finds, plays and deletes each recording, and
files served or removed only from inside the media folder."""

import datetime

import pytest

from switchctl.models import CallRecord, Recording
from switchctl.services import recordings
from switchctl.services.extensions import add_extension
from tests.builders.audio import wav

pytestmark = pytest.mark.both_databases

START = datetime.datetime(2026, 11, 30, 9)


@pytest.fixture
def media(config):
    folder = config.media_folder
    (folder / "recordings").mkdir(parents=True)
    return folder


@pytest.fixture
def ext(db, domain):
    return {n: add_extension(domain, n, f"User {n}", "Passw0rd" + n)[0]
            for n in ("104", "107", "108")}


def recorded(domain, media, by, uuid, minutes, path=None):
    path = f"recordings/{uuid}.wav" if path is None else path
    if path.startswith("recordings/") and ".." not in path:
        (media / path).write_bytes(wav(0.2))
    return Recording.create(domain=domain, extension=by, call_uuid=uuid, path=path,
                            started=START + datetime.timedelta(minutes=minutes), duration=1)


def called(domain, uuid, caller, callee):
    CallRecord.create(domain=domain, uuid=uuid, direction="internal",
                      caller_number=caller.number, callee_number=callee.number,
                      caller_extension=caller, callee_extension=callee, start=START,
                      end=START, disposition="ANSWERED")


@pytest.fixture
def rows(domain, media, ext):
    """104 recorded its call with 107 (r1) and one with 108 (r3); 108 recorded a call with
    107 (r2, which 104 took no part in)."""
    called(domain, "u1", ext["104"], ext["107"])
    called(domain, "u2", ext["108"], ext["107"])
    called(domain, "u3", ext["108"], ext["104"])
    return {"r1": recorded(domain, media, ext["104"], "u1", 1),
            "r2": recorded(domain, media, ext["108"], "u2", 2),
            "r3": recorded(domain, media, ext["104"], "u3", 3)}


def ids(page):
    return [r.call_uuid for r in page.recordings]


def test_each_extension_finds_its_own_and_those_of_its_calls_newest_first(ext, rows):
    assert ids(recordings.recordings(ext["104"])) == ["u3", "u1"]
    assert ids(recordings.recordings(ext["107"])) == ["u2", "u1"]  # the other end of both
    assert ids(recordings.recordings(ext["108"])) == ["u3", "u2"]
    first = recordings.recordings(ext["107"], per_page=1)
    second = recordings.recordings(ext["107"], page=2, per_page=1)
    assert (ids(first), first.more, ids(second), second.more) == (["u2"], True, ["u1"], False)


def test_another_extensions_recording_is_not_found(ext, rows):
    assert recordings.find_recording(ext["104"], rows["r1"].id).id == rows["r1"].id
    assert recordings.find_recording(ext["104"], rows["r2"].id) is None
    for forged in ("1", -1, 0, 2 ** 70, True, None, 1.0):
        assert recordings.find_recording(ext["104"], forged) is None
    assert recordings.recordings_of_calls(ext["104"], ["u1", "u2", "u3", "none"]) == \
        {"u1": rows["r1"].id, "u3": rows["r3"].id}
    assert recordings.recordings_of_calls(ext["104"], []) == {}


@pytest.mark.sqlite_only  # files: the database's part is the same
def test_deleting_an_own_recording_removes_row_and_file(config, media, ext, rows):
    file = media / rows["r1"].path
    assert recordings.delete_recording(config.media_folder, ext["104"], rows["r1"].id)
    assert not file.exists()
    assert Recording.get_or_none(id=rows["r1"].id) is None


def test_the_other_end_may_play_but_not_delete(config, media, ext, rows):
    assert recordings.audio_path(config.media_folder, rows["r1"]) == \
        (media / rows["r1"].path).resolve()
    with pytest.raises(recordings.NotYours):
        recordings.delete_recording(config.media_folder, ext["107"], rows["r1"].id)
    assert not recordings.delete_recording(config.media_folder, ext["104"], rows["r2"].id)
    assert Recording.select().count() == 3
    assert all((media / row.path).exists() for row in rows.values())


@pytest.mark.sqlite_only  # files: the database's part is the same
def test_a_file_another_row_still_names_stays(config, domain, media, ext, rows):
    twin = Recording.create(domain=domain, extension=ext["107"], call_uuid="u1",
                            path=rows["r1"].path, started=START)
    assert recordings.delete_recording(config.media_folder, ext["104"], rows["r1"].id)
    assert (media / twin.path).exists()
    assert recordings.delete_recording(config.media_folder, ext["107"], twin.id)
    assert not (media / twin.path).exists()


@pytest.mark.sqlite_only  # files: the database's part is the same
def test_a_path_out_of_the_media_folder_is_refused(config, domain, media, ext):
    outside = media.parent / "outside.wav"
    outside.write_bytes(b"precious")
    (media / "link").symlink_to(media.parent)
    for path in ("../outside.wav", "recordings/../../outside.wav", str(outside), "", ".",
                 "link/outside.wav"):
        row = recorded(domain, media, ext["104"], "u9", 9, path=path)
        with pytest.raises(recordings.RecordingUnavailable):
            recordings.audio_path(config.media_folder, row)
        with pytest.raises(recordings.RecordingUnavailable):
            recordings.delete_recording(config.media_folder, ext["104"], row.id)
        assert outside.read_bytes() == b"precious"
        assert Recording.get_or_none(id=row.id) is not None, path


@pytest.mark.sqlite_only  # files: the database's part is the same
def test_a_gone_file_cannot_be_served(config, media, ext, rows):
    (media / rows["r1"].path).unlink()
    with pytest.raises(recordings.RecordingUnavailable):
        recordings.audio_path(config.media_folder, rows["r1"])
    assert recordings.delete_recording(config.media_folder, ext["104"], rows["r1"].id)
