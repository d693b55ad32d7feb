"""``switchctl voicemail list|delete|set``, run as the real command (tests/test_cli.py's way),
on messages left through the message store; a deletion lights the lamp through the event
socket (a fake switch here)."""

import datetime
import sys
import uuid

import gevent.subprocess
import pytest

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.models import VoicemailMessage
from switchctl.services import voicemail
from switchctl.services.domains import find_domain, get_setting
from switchctl.services.extensions import add_extension
from tests.builders.audio import wav
from tests.clients.cli import cli_env, free_tcp_port
from tests.clients.cli import switchctl_here as switchctl
from tests.fakes.fake_switch import FakeSwitch


@pytest.fixture
def data(tmp_path):
    assert switchctl(tmp_path, "init", "--demo").returncode == 0
    return tmp_path


@pytest.fixture
def database(data):
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(data)}).database)
    with db.connection_context():
        yield db


def leave(data, number="102", caller="13912345678", seconds=4, minutes_ago=0):
    media = data / "media"
    box = voicemail.mailbox("pbx.local", number)
    message_file = voicemail.new_message_file(media, box)
    (media / message_file.relative).write_bytes(wav(seconds))
    message = voicemail.store_message(media, box, message_file, caller).message
    received = datetime.datetime(2026, 3, 6, 14, 56) - datetime.timedelta(minutes=minutes_ago)
    VoicemailMessage.update(received=received).where(VoicemailMessage.id == message.id).execute()
    return message


def ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def refused(result, code=1):
    assert result.returncode == code, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("switchctl: error: ") and "Traceback" not in result.stderr
    return line


def test_list_shows_the_messages_newest_first(data, database):
    older = leave(data, caller="101", minutes_ago=5, seconds=6)
    newer = leave(data)
    voicemail.mark_read(voicemail.mailbox("pbx.local", "102"), older.uid)
    assert ok(switchctl(data, "voicemail", "list", "102")).splitlines() == [
        f"{newer.uid}\t2026-03-06 14:56:00\t13912345678\t\t4 s\tnew",
        f"{older.uid}\t2026-03-06 14:51:00\t101\t\t6 s\tsaved",
    ]
    assert ok(switchctl(data, "voicemail", "list", "103")) == "no messages\n"


def test_list_pages(data, database):
    for minutes in range(21):
        leave(data, minutes_ago=minutes)
    first = ok(switchctl(data, "voicemail", "list", "102")).splitlines()
    assert len(first) == 21 and first[-1] == "(more: --page 2)"
    second = ok(switchctl(data, "voicemail", "list", "102", "--page", "2")).splitlines()
    assert len(second) == 1 and "2026-03-06 14:36:00" in second[0]
    assert ok(switchctl(data, "voicemail", "list", "102", "--page", "9")) == \
        "no messages on this page\n"


def run_with_switch(data, *args, **extra):
    """The command as a process while this one's fake switch answers (gevent's subprocess:
    the hub keeps serving the switch meanwhile)."""
    return gevent.subprocess.run([sys.executable, "-m", "switchctl", *args], capture_output=True,
                                 text=True, timeout=60, env=cli_env(data, **extra))


def test_delete_takes_row_and_file_and_lights_the_lamp(data, database):
    kept, gone = leave(data, minutes_ago=1), leave(data)
    switch = FakeSwitch().start()
    try:
        out = ok(run_with_switch(data, "voicemail", "delete", "102", gone.uid,
                                 SWITCHCTL_ESL=f"127.0.0.1:{switch.port}"))
        lamp = switch.wait_for_command("sendevent")
    finally:
        switch.stop()
    assert out == f"deleted message {gone.uid}\n"
    assert lamp == ("sendevent MESSAGE_WAITING MWI-Messages-Waiting: yes "
                    "MWI-Message-Account: sip:102@pbx.local MWI-Voice-Message: 1/0 (0/0)")
    assert not (data / "media" / gone.path).exists() and (data / "media" / kept.path).exists()
    assert [m.uid for m in VoicemailMessage.select()] == [kept.uid]


def test_delete_with_the_switch_away_still_deletes_and_says_so(data, database):
    gone = leave(data)
    out = ok(switchctl(data, "voicemail", "delete", "102", gone.uid,
                       SWITCHCTL_ESL=f"127.0.0.1:{free_tcp_port()}"))
    assert out.startswith(f"deleted message {gone.uid}\nnote: the phones' voicemail lamp was "
                          "not updated (the switch's event socket at 127.0.0.1:")
    assert not VoicemailMessage.select().exists()


@pytest.mark.parametrize(("args", "message"), [
    (("voicemail", "list", "999"), "extension 999 does not exist"),
    (("voicemail", "delete", "999", str(uuid.uuid4())), "extension 999 does not exist"),
    (("voicemail", "delete", "105", "00000000-0000-4000-8000-000000000000"),
     "extension 105 has no message 00000000-0000-4000-8000-000000000000"),
    (("voicemail", "set", "operator", "999"), "extension 999 does not exist"),
    (("voicemail", "set", "max-seconds", "0"), "max-seconds must be 1 to 3600"),
    (("voicemail", "set", "max-seconds", "٣٠"), "max-seconds must be 1 to 3600"),
])
def test_bad_input_is_one_line(data, args, message):
    assert message in refused(switchctl(data, *args))


@pytest.mark.parametrize("args", [
    ("voicemail", "delete", "102", "../../etc/passwd"),
    ("voicemail", "delete", "102"),
    ("voicemail", "list", "102", "--page", "0"),
    ("voicemail", "list", "102", "--page", "x"),
    ("voicemail", "set", "colour", "red"),
])
def test_bad_arguments_are_one_line_with_exit_2(data, args):
    refused(switchctl(data, *args), code=2)


def test_a_message_of_another_mailbox_is_not_deleted(data, database):
    message = leave(data, number="102")
    refused(switchctl(data, "voicemail", "delete", "103", message.uid))
    assert VoicemailMessage.select().count() == 1


def test_settings(data, database):
    assert ok(switchctl(data, "voicemail", "set", "operator", "105")) == "operator = 105\n"
    assert ok(switchctl(data, "voicemail", "set", "max-seconds", "300")) == \
        "max-seconds = 300\n"
    domain = find_domain("pbx.local")
    assert voicemail.operator(domain) == "105" and voicemail.max_seconds(domain) == 300
    assert ok(switchctl(data, "voicemail", "set", "operator", "")) == "operator = none\n"
    assert ok(switchctl(data, "voicemail", "set", "max-seconds", "")) == "max-seconds = 120\n"
    assert get_setting(domain, voicemail.OPERATOR_SETTING, None) == ""


def test_an_extension_added_later_has_a_mailbox(data, database):
    add_extension(find_domain("pbx.local"), "201", "Ann", "Passw0rd201")
    leave(data, number="201")
    assert "\t4 s\tnew" in ok(switchctl(data, "voicemail", "list", "201"))


def test_pin_sets_a_forgotten_pin_and_refuses_a_bad_one(data, database):
    from switchctl.services.voicemail_settings import check_pin

    box = voicemail.mailbox("pbx.local", "102")
    assert ok(switchctl(data, "voicemail", "pin", "102", "908172")) == \
        "PIN of mailbox 102 changed\n"
    assert check_pin(box.id, "908172") and not check_pin(box.id, "1234")
    for bad in ("12", "12345678901", "12a4", "١٢٣٤"):
        assert "PIN not changed" in refused(switchctl(data, "voicemail", "pin", "102", bad))
    assert check_pin(box.id, "908172")
    assert "4242" in refused(switchctl(data, "voicemail", "pin", "4242", "1234"))
