"""One-touch recording ``*1`` (manual §2.12): the actions served on the real switch's
in-call request, the row, the toggle, and the end of a recording (RECORD_STOP)."""

import gevent
import pytest

from switchctl import config as config_module
from switchctl.config import HostPort
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from switchctl.esl.recordings import RecordingStops
from switchctl.freeswitch import prompts
from switchctl.models import Extension, Recording
from switchctl.services import recordings
from switchctl.services.feature_codes import set_override
from switchctl.xml_curl import in_call
from tests.builders.audio import wav
from tests.builders.captures import payload
from tests.builders.dialplan import actions
from tests.builders.in_call import (CALLEE_UUID, CALLER_UUID, PEER_ATTENDED, SELF_RECORD,
                                    in_call_body, pressed)
from tests.clients.xml_curl import parsed, post
from tests.fakes.fake_switch import FakeSwitch, event_frame


def press(client, name=SELF_RECORD, **variables):
    return actions(parsed(post(client, pressed(name, digits="*1", key="record_call",
                                               **variables))))


def switch_file(config, row):
    return f"{config.switch_media_folder}/{row.path}"


@pytest.mark.both_databases  # the rows on PostgreSQL too
def test_star_1_starts_recording_the_call_on_the_pressing_leg(client, config, office):
    steps = press(client)
    (row,) = Recording.select()
    assert (row.extension.number, row.domain.name, row.call_uuid, row.duration) == \
        ("101", "pbx.local", CALLER_UUID, 0)
    assert row.path.startswith(f"recordings/pbx.local/{row.started:%Y-%m-%d}/{CALLER_UUID}-")
    assert steps == [
        ("set", f"switchctl_recording={row.id}"),
        ("record_session", switch_file(config, row)),
        ("broadcast", f"{prompts.RECORDING_STARTED} both"),
    ]
    assert (config.media_folder / row.path).parent.is_dir()  # the switch writes into it


def test_star_1_again_stops_that_recording(client, config, office):
    press(client)
    (row,) = Recording.select()
    steps = press(client, switchctl_recording=row.id)
    assert steps == [
        ("stop_record_session", switch_file(config, row)),
        ("unset", "switchctl_recording"),
        ("broadcast", f"{prompts.RECORDING_STOPPED} both"),
    ]
    assert Recording.select().count() == 1


def test_the_leg_rung_records_as_its_own_extension_with_the_calls_uuid(client, office):
    """102's leg: the call record's uuid is the calling leg's (Channel-Call-UUID)."""
    press(client, PEER_ATTENDED)
    (row,) = Recording.select()
    assert (row.extension.number, row.call_uuid) == ("102", CALLER_UUID)
    assert CALLEE_UUID[:8] in row.path


@pytest.mark.parametrize("planted", ["999", "abc", "-1", "${x}", "1 2"])
def test_a_recording_name_that_is_not_the_pressers_starts_a_new_one(client, office, planted):
    steps = press(client, switchctl_recording=planted)
    assert steps[1][0] == "record_session"
    assert Recording.select().count() == 1


def test_another_extensions_recording_is_not_stopped(client, office):
    press(client, PEER_ATTENDED)  # 102 records
    (theirs,) = Recording.select()
    steps = press(client, switchctl_recording=theirs.id)  # 101's leg names it
    assert steps[1][0] == "record_session"
    assert Recording.select().count() == 2


def test_a_call_without_its_uuid_is_refused_and_nothing_stored(client, office):
    body = in_call_body(SELF_RECORD, **{"Channel-Call-UUID": None,
                                        "variable_last_matching_digits": "*1"})
    assert actions(parsed(post(client, body))) == [("playback", prompts.ERROR)]
    assert Recording.select().count() == 0


def test_the_call_uuid_header_is_believed_only_once(client, office):
    body = pressed(SELF_RECORD, digits="*1", key="record_call") + \
        b"&Channel-Call-UUID=planted"
    assert actions(parsed(post(client, body))) == [("playback", prompts.ERROR)]
    assert Recording.select().count() == 0


def test_a_folder_that_cannot_be_made_is_refused(client, config, office):
    config.media_folder.mkdir(parents=True, exist_ok=True)
    (config.media_folder / "recordings").write_text("a file in the way")
    assert press(client) == [("playback", prompts.ERROR)]
    assert Recording.select().count() == 0


def test_an_override_of_the_code_still_reaches_the_handler(client, office):
    set_override(office.id, "record_call", "*9")
    root = parsed(post(client, pressed(SELF_RECORD, digits="*9", key="record_call")))
    assert actions(root)[1][0] == "record_session"
    assert in_call.HANDLERS["record_call"].__module__ == "switchctl.xml_curl.recordings"


def write_wav(path, seconds):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(wav(seconds))


def started(config, office, number="101"):
    extension = Extension.get(Extension.number == number)
    return recordings.start_recording(config.media_folder, extension, CALLER_UUID, CALLEE_UUID)


@pytest.mark.both_databases  # the rows on PostgreSQL too
def test_the_end_of_a_recording_stores_its_length(config, office):
    row = started(config, office)
    write_wav(config.media_folder / row.path, 7.4)
    assert recordings.recording_ended(config.media_folder, row.path) == 1
    assert Recording.get_by_id(row.id).duration == 7


def test_a_recording_the_switch_never_wrote_is_dropped(config, office):
    row = started(config, office)
    assert recordings.recording_ended(config.media_folder, row.path) == 1
    assert not Recording.select().exists()


def test_an_empty_or_broken_recording_is_dropped(config, office):
    row = started(config, office)
    write_wav(config.media_folder / row.path, 0)
    recordings.recording_ended(config.media_folder, row.path)
    other = started(config, office, "102")
    (config.media_folder / other.path).write_bytes(b"not a wav")
    recordings.recording_ended(config.media_folder, other.path)
    assert not Recording.select().exists()


def test_a_short_recording_counts_one_second(config, office):
    row = started(config, office)
    write_wav(config.media_folder / row.path, 0.3)
    recordings.recording_ended(config.media_folder, row.path)
    assert Recording.get_by_id(row.id).duration == 1


def test_an_unknown_path_changes_nothing(config, office):
    assert recordings.recording_ended(config.media_folder, "recordings/none.wav") == 0


@pytest.mark.parametrize("uuid", ["", "a/b", "../x", "${x}"])
def test_a_uuid_that_cannot_name_a_file_is_refused(config, office, uuid):
    extension = Extension.get(Extension.number == "101")
    with pytest.raises(ValueError):
        recordings.start_recording(config.media_folder, extension, uuid, CALLEE_UUID)
    assert not Recording.select().exists()


# The real RECORD_STOP of a one-touch recording (the integration tier's call), and the
# media folder as that switch was told it.
RECORD_STOP = "esl_inbound/events_plain/RECORD_STOP.txt"
CAPTURED_SWITCH_MEDIA = "/tmp/switchctl-fs-nr9wklyw/switch-media"
CAPTURED_FILE = ("recordings/pbx.local/2026-12-02/94f6b05d-c0ec-4baf-a7e1-229356185742-"
                 "94f6b05d-141318.wav")


@pytest.fixture
def stops(tmp_path, db, office):
    """A listener following a fake switch, with RecordingStops for a switch that sees the
    media folder as the captured one did; yields (switch, settings)."""
    switch = FakeSwitch(answers={"show registrations as json": '{"row_count":0}',
                                 "show channels as json": '{"row_count":0}'}).start()
    settings = config_module.load({"SWITCHCTL_DATA": str(tmp_path / "stops"),
                                   "SWITCHCTL_SWITCH_MEDIA": CAPTURED_SWITCH_MEDIA})
    listener = Listener(HostPort("127.0.0.1", switch.port), "ClueCon",
                        ExtensionStates(), retry=0.05)
    RecordingStops(listener, settings)
    runner = gevent.spawn(listener.run)
    assert listener.online.wait(timeout=5)
    yield switch, settings
    listener.stop()
    switch.stop()
    runner.join(timeout=5)


def until(probe, seconds=5):
    for _ in range(int(seconds / 0.02)):
        if probe():
            return True
        gevent.sleep(0.02)
    return False


def test_the_switchs_record_stop_stores_the_length(stops):
    switch, settings = stops
    extension = Extension.get(Extension.number == "101")
    row = Recording.create(domain=extension.domain_id, extension=extension, call_uuid="c",
                           path=CAPTURED_FILE)
    write_wav(settings.media_folder / CAPTURED_FILE, 2.52)
    switch.emit(payload(RECORD_STOP))
    assert until(lambda: Recording.get_by_id(row.id).duration == 3)


def test_a_record_stop_outside_our_recordings_changes_nothing(stops):
    switch, settings = stops
    extension = Extension.get(Extension.number == "101")
    kept = Recording.create(domain=extension.domain_id, extension=extension, call_uuid="c",
                            path="voicemail/pbx.local/101/x.wav")
    for path in (f"{CAPTURED_SWITCH_MEDIA}/voicemail/pbx.local/101/x.wav",
                 f"{CAPTURED_SWITCH_MEDIA}/recordings/../voicemail/pbx.local/101/x.wav",
                 "/elsewhere/recordings/x.wav", ""):
        switch.emit(event_frame({"Event-Name": "RECORD_STOP", "Record-File-Path": path}))
    switch.emit(event_frame({"Event-Name": "RECORD_STOP"}))
    gevent.sleep(0.3)
    assert Recording.get_by_id(kept.id).duration == 0  # not dropped, not changed


def test_a_planted_unicode_digit_starts_a_new_recording(client, office):
    assert press(client, switchctl_recording="²")[1][0] == "record_session"
