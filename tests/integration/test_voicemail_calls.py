"""Voicemail on the real switch: the dialplan's ``socket`` reaches switchctl serve's call
flows, the switch records into the media folder with the tier's permissions, a caller who
meets a busy extension leaves a message (real speech over RTP) that lights the owner's
phone's lamp, and the owner hears it through ``*61`` and the lamp goes out."""

import array
import dataclasses
import grp
import math
import os
import pwd
import stat
import subprocess
import sys
import time
import wave

import pytest

from switchctl.freeswitch.commands import FLOW_SOCKET
from switchctl.services.voicemail import FOLDER_MODE
from tests.integration.conftest import fs_password
from tests.integration.media_phones import (
    SPEECH,
    SwitchEvents,
    answering_phone,
    busy_phone,
    executing,
    staying_call,
    talking_call,
)
from tests.clients.cli import switchctl
from tests.integration.sip_phones import register
from tests.servers.freeswitch import esl_api

pytestmark = pytest.mark.integration

MAILBOX, CALLER = "104", "101"
PIN = "1234"  # every mailbox's PIN until its owner changes it
TALK = 6.5  # seconds the caller speaks once the mailbox answers (the greeting and beep: 1.6 s)
MESSAGES = ("SELECT uid, caller_number, caller_name, duration, path, read "
            "FROM voicemail_message JOIN extension ON extension.id = mailbox_id "
            "WHERE extension.number = ? ORDER BY voicemail_message.id")
FLOW_EVENTS = ("CHANNEL_EXECUTE", "CHANNEL_EXECUTE_COMPLETE", "CHANNEL_HANGUP_COMPLETE")


@pytest.fixture(scope="module", autouse=True)
def _own_switch(freeswitch):
    """These tests need what the session's own switch is given: the stand-in prompts,
    the media folder shared with serve, its outbound port (a switch of your own:
    SWITCHCTL_TEST_FS_ESL, see conftest.py)."""
    if freeswitch is None:
        pytest.skip("voicemail calls need the session's own FreeSWITCH (stand-in prompts, "
                    "the shared media folder), not SWITCHCTL_TEST_FS_ESL")


def switch_api(address, command):
    return esl_api(address.host, address.port, fs_password(), command, timeout=10)


def events_of(address):
    return SwitchEvents(address.host, address.port, fs_password(), FLOW_EVENTS)


def wait_for(probe, seconds=10):
    deadline = time.monotonic() + seconds
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def completed(application, uuid):
    def match(event):
        return (event["Event-Name"] == "CHANNEL_EXECUTE_COMPLETE"
                and event["Application"] == application and event["Unique-ID"] == uuid)
    return match


def hung_up(uuid):
    return lambda event: (event["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                          and event["Unique-ID"] == uuid)


def no_channel_left(address, seconds=5):
    """The switch's channels once it has none (or what is left after ``seconds``)."""
    def left():
        listed = switch_api(address, "show channels count").strip()
        return listed if not listed.startswith("0 total") else ""
    deadline = time.monotonic() + seconds
    while (listed := left()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return listed


def audio_of(path):
    """(channels, sample width, rate, seconds, loudest second's RMS) of a WAV."""
    with wave.open(str(path), "rb") as recording:
        channels, width, rate = (recording.getnchannels(), recording.getsampwidth(),
                                 recording.getframerate())
        samples = array.array("h", recording.readframes(recording.getnframes()))
    if sys.byteorder == "big":
        samples.byteswap()
    loudest = max((math.sqrt(sum(s * s for s in samples[i:i + rate]) / len(samples[i:i + rate]))
                   for i in range(0, len(samples), rate)), default=0)
    return channels, width, rate, len(samples) / rate, loudest


def test_the_dialplans_socket_reaches_the_served_call_flows(served, fs_address, sip_address):
    """to_flow's actions, run by the switch: ``socket ${switchctl_socket} async full``
    (the vars.xml global) connects to switchctl serve, which finds no such flow, says so
    in its log, plays the error prompt (a stand-in sound the switch plays) and hangs up."""
    phone = answering_phone()
    uuid = f"switchctl-it-socket-{time.monotonic_ns()}"
    events = events_of(fs_address)
    try:
        reply = switch_api(fs_address, (
            f"originate {{origination_uuid={uuid}}}sofia/internal/sip:{MAILBOX}@127.0.0.1:"
            f"{phone.port} 'set:switchctl_flow=no_such_flow,socket:{FLOW_SOCKET}' inline"))
        assert reply.startswith("+OK"), reply
        socket_run = events.next(executing("socket", uuid), what="the socket application")
        # The global expanded: the address serve's outbound server listens on.
        assert socket_run["Application-Data"] == f"{served.outbound} async full"
        played = events.next(completed("playback", uuid), what="the error prompt")
        assert played["Application-Data"] == "misc/error.wav"
        assert played["Application-Response"] == "FILE PLAYED"
        ended = events.next(hung_up(uuid), what="the hang-up")
        assert ended["Hangup-Cause"] == "NORMAL_TEMPORARY_FAILURE"
        assert phone.wait() == 0  # it got the BYE
    finally:
        phone.stop()
        events.close()
    log = (served.data / "serve.log").read_text()
    assert f"outbound socket: no flow 'no_such_flow' (channel {uuid})" in log


def test_the_switch_records_into_the_media_folder(served, fs_address, sip_address):
    """The media folder as the tier sets it up (the README's permissions): the switch's
    user records into a folder switchctl made (FOLDER_MODE), and what it writes is
    readable through the folder's group. A folder that is not there is no recording: the
    switch hangs the call up (DESTINATION_OUT_OF_ORDER) rather than make it."""
    folder = served.media / "probe"
    folder.mkdir(exist_ok=True)
    os.chmod(folder, FOLDER_MODE)
    phone = answering_phone(SPEECH)
    uuid = f"switchctl-it-record-{time.monotonic_ns()}"
    events = events_of(fs_address)
    try:
        reply = switch_api(fs_address, (
            f"originate {{origination_uuid={uuid}}}sofia/internal/sip:{MAILBOX}@127.0.0.1:"
            f"{phone.port} 'record:{served.switch_media}/probe/{uuid}.wav 2,"
            f"record:{served.switch_media}/no-such-folder/{uuid}.wav 2' inline"))
        assert reply.startswith("+OK"), reply
        first = events.next(completed("record", uuid), what="the first recording")
        assert int(first["variable_record_ms"] or 0) >= 1000, first
        ended = events.next(hung_up(uuid), what="the hang-up at the second")
        assert ended["Hangup-Cause"] == "DESTINATION_OUT_OF_ORDER"
        phone.wait()
    finally:
        phone.stop()
        events.close()
    path = folder / f"{uuid}.wav"
    assert audio_of(path)[:3] == (1, 2, 8000)
    assert not (served.media / "no-such-folder").exists()
    readable_through_the_group(path)


def test_a_folder_the_switch_cannot_write_is_an_error_in_serves_log(
        served, fs_address, sip_address):
    """103's message folder left 0755 (not its group's to write): the switch's user,
    only a member of the media folder's group, cannot open the file, so the switch hangs
    the caller up right after the beep with no record_ms, and switchctl serve says at
    ERROR where the switch could not write and what to check (having warned of the mode
    before the caller spoke)."""
    if os.geteuid() != 0:
        pytest.skip("the switch runs as this user: a 0755 folder of ours is its to write")
    number = "103"
    folder = served.media / "voicemail" / "pbx.local" / number
    for made in (folder.parents[1], folder.parent, folder):
        if not made.is_dir():
            made.mkdir()
            os.chmod(made, FOLDER_MODE)
    os.chmod(folder, 0o755)
    # No phone registered: the call meets "unavailable" and reaches 103's mailbox.
    switch_api(fs_address, f"sofia profile internal flush_inbound_reg {number}@pbx.local")
    serve_log = served.data / "serve.log"
    since = serve_log.stat().st_size
    events = events_of(fs_address)
    caller = staying_call(sip_address, CALLER, served[CALLER], number)
    try:
        record = events.next(executing("record", data=f"/pbx.local/{number}/"), timeout=15,
                             what="the mailbox's record")
        recorded = events.next(completed("record", record["Unique-ID"]),
                               what="record's end")
        assert caller.wait() == 0  # the switch hung up
    finally:
        caller.stop()
        events.close()
        os.chmod(folder, FOLDER_MODE)
    assert (recorded["Answer-State"], recorded["Hangup-Cause"]) == (
        "hangup", "DESTINATION_OUT_OF_ORDER")
    assert "variable_record_ms" not in recorded.headers, recorded
    path = record["Application-Data"].split()[0]
    assert path.startswith(f"{served.switch_media}/voicemail/pbx.local/{number}/")
    said = f"the switch could not write {path}, so the message from {CALLER} for {number}@"

    def logged():
        return serve_log.read_bytes()[since:].decode(errors="replace")
    (line,) = wait_for(lambda: [line for line in logged().splitlines() if said in line])
    assert "ERROR" in line and "mode 2770" in line and "SWITCHCTL_SWITCH_MEDIA" in line
    assert f"switchctl sees: {folder} is mode 0755" in line
    log = logged()
    assert f"{folder} is mode 0755: its group may not write into it (" in log  # the warning
    assert "Traceback" not in log
    assert not list(folder.iterdir())
    assert served.rows(MESSAGES, number) == []
    assert not no_channel_left(fs_address)


def readable_through_the_group(path):
    """What the switch recorded belongs to the media folder's group and is readable by
    it; under root, a process of another user in that group reads it."""
    info, media = path.stat(), path.parents[1].stat()
    assert info.st_gid == media.st_gid, "the setgid folder gives its group"
    assert info.st_mode & stat.S_IRGRP
    assert not info.st_mode & stat.S_IROTH, "the switch's umask 0007 keeps others out"
    if os.geteuid() != 0:
        return
    reader = pwd.getpwnam("daemon")
    assert reader.pw_uid != info.st_uid
    result = subprocess.run(["cat", str(path)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, timeout=30, user=reader.pw_uid,
                            group=media.st_gid, extra_groups=[], check=False)
    assert result.returncode == 0, (
        f"a member of group {grp.getgrgid(media.st_gid).gr_name} cannot read {path}: "
        f"{result.stderr}")


@dataclasses.dataclass
class Left:
    phone: object  # the mailbox owner's phone: busy, and showing the lamp
    caller_exit: int
    record: object  # the flow's CHANNEL_EXECUTE of record
    recorded: object  # its CHANNEL_EXECUTE_COMPLETE
    messages: list


@pytest.fixture(scope="module")
def left_message(served, sip_address, fs_address, tmp_path_factory):
    """101 calls 104, whose phone is busy: the mailbox answers, 101 speaks for TALK
    seconds and hangs up. Messages other tests left for 104 are deleted first (the lamp
    and the menu are then about this one alone)."""
    switch_api(fs_address, f"sofia profile internal flush_inbound_reg {MAILBOX}@pbx.local")
    for uid, *_ in served.rows(MESSAGES, MAILBOX):
        deleted = switchctl(served.data, "voicemail", "delete", MAILBOX, uid,
                            SWITCHCTL_MEDIA=str(served.media), SWITCHCTL_ESL=str(fs_address),
                            SWITCHCTL_ESL_PASSWORD=fs_password())
        assert deleted.returncode == 0, deleted.stderr
    before = served.rows(MESSAGES, MAILBOX)
    assert before == []
    trace = tmp_path_factory.mktemp("mailbox") / f"{MAILBOX}.trace"
    events = events_of(fs_address)
    phone = busy_phone(sip_address, MAILBOX, served[MAILBOX], trace)
    caller = None
    try:
        caller = talking_call(sip_address, CALLER, served[CALLER], MAILBOX, talk=TALK)
        record = events.next(executing("record"), timeout=15, what="the mailbox's record")
        recorded = events.next(completed("record", record["Unique-ID"]), timeout=TALK + 10,
                               what="the end of the recording")
        caller_exit = caller.wait()
        messages = wait_for(lambda: served.rows(MESSAGES, MAILBOX)[len(before):])
        yield Left(phone, caller_exit, record, recorded, messages)
    finally:
        events.close()
        for process in (caller, phone):
            if process is not None:
                process.stop()
        register(sip_address, MAILBOX, served[MAILBOX], phone.port, expires=0)


def test_a_caller_meeting_a_busy_extension_leaves_a_message(left_message, served, fs_address):
    assert left_message.caller_exit == 0  # answered, and hung up by the caller
    command = left_message.record["Application-Data"]
    switch_path = f"{served.switch_media}/voicemail/pbx.local/{MAILBOX}/"
    assert command.startswith(switch_path), "record names the folder as the switch sees it"
    recorded_ms = int(left_message.recorded["variable_record_ms"] or 0)
    assert 3000 <= recorded_ms <= TALK * 1000, left_message.recorded
    assert len(left_message.messages) == 1, left_message.messages
    uid, number, name, duration, path, read = left_message.messages[0]
    assert (number, name, read) == (CALLER, "Reception", 0)
    assert path == f"voicemail/pbx.local/{MAILBOX}/{uid}.wav"
    assert command.split()[0] == f"{served.switch_media}/{path}"
    assert abs(duration - recorded_ms / 1000) <= 1
    channels, width, rate, seconds, loudest = audio_of(served.media / path)
    assert (channels, width, rate) == (1, 2, 8000)
    assert abs(seconds - recorded_ms / 1000) < 0.5
    assert loudest > 1000, "the caller's speech is in it"
    for folder in (served.media / "voicemail", *(served.media / path).parents):
        if folder == served.media:
            break
        assert stat.S_IMODE(folder.stat().st_mode) == FOLDER_MODE, folder
    readable_through_the_group(served.media / path)
    assert not no_channel_left(fs_address)


def test_the_owners_phone_lamp_lights(left_message):
    seen = left_message.phone.lamp_shows("yes", "1/0 (0/0)")
    assert seen[-1:] == [("yes", "1/0 (0/0)")], seen


def test_the_owner_hears_the_message_through_star_61_and_the_lamp_goes_out(
        left_message, served, sip_address, fs_address):
    uid, *_, path, _ = left_message.messages[0]
    events = events_of(fs_address)
    caller = staying_call(sip_address, MAILBOX, served[MAILBOX], "*61")
    try:
        asked = events.next(executing("play_and_get_digits"), timeout=15, what="the PIN prompt")
        uuid = asked["Unique-ID"]
        assert switch_api(fs_address, f"uuid_recv_dtmf {uuid} ~{PIN}#").startswith("+OK")
        events.next(executing("play_and_get_digits", uuid), what="the main menu after the PIN")
        assert switch_api(fs_address, f"uuid_recv_dtmf {uuid} ~1").startswith("+OK")
        played = events.next(lambda e: completed("playback", uuid)(e)
                             and uid in e["Application-Data"], timeout=20,
                             what="the message played")
        assert played["Application-Data"] == f"{served.switch_media}/{path}"
        assert played["Application-Response"] == "FILE PLAYED"
        events.next(executing("play_and_get_digits", uuid), what="the message's keys")
        assert served.rows("SELECT read FROM voicemail_message WHERE uid = ?", uid) == [(1,)]
        seen = left_message.phone.lamp_shows("no", "0/1 (0/0)")
        assert seen[-1:] == [("no", "0/1 (0/0)")], seen
        assert switch_api(fs_address, f"uuid_kill {uuid}").startswith("+OK")
        events.next(hung_up(uuid), what="the hang-up")
        assert caller.wait() == 0
    finally:
        caller.stop()
        events.close()
    assert not no_channel_left(fs_address)
