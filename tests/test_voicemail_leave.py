"""Leaving a message (switchctl.ivr.voicemail_leave) on the fake switch: the variables the
routing sets reach the flow, the commands it sends are asserted, the database and the WAV
the switch wrote are checked, and the lamp is lit through the real live view."""

import logging

import gevent
import pytest

from switchctl.freeswitch import prompts
from switchctl.ivr import FlowContext
from switchctl.models import Extension, VoicemailMessage
from switchctl.services import voicemail, voicemail_settings
from switchctl.services.domains import set_setting
from switchctl.services.forwarding import set_dnd, set_follow_me
from tests.builders.audio import silence, wav
from tests.builders.dialplan import call as dialplan_call
from tests.builders.dialplan import steps_of
from tests.fakes.fake_switch import FakeCall, FakeRecording
from tests.servers.flows import flow_server

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]

SWITCH_MEDIA = "/var/lib/freeswitch/media"  # the media folder as the switch sees it
GREETING_102 = prompts.sequence("voicemail/vm-person.wav", "digits/1.wav", "digits/0.wav",
                                "digits/2.wav", "voicemail/vm-not_available.wav")
BUSY_102 = GREETING_102.replace("voicemail/vm-not_available.wav", "ivr/ivr-user_busy.wav")
BEEP = "tone_stream://%(1000,0,640)"


@pytest.fixture
def settings(config, tmp_path):
    return config.with_changes(media=tmp_path / "media", switch_media=SWITCH_MEDIA)


@pytest.fixture
def lamps(live_view):
    """The fake switch behind the real live view: each lamp change is a sendevent there."""
    return live_view[1]


@pytest.fixture
def server(settings, live_view):
    running = flow_server(FlowContext(settings, live=live_view[0]))
    yield running
    running.stop()


def routed(client, number, **request):
    """The channel variables the dialplan sets before the ``socket`` that hands the call
    to a flow (its multiset), asked as FreeSWITCH asks after a failed bridge."""
    steps = steps_of(client, dialplan_call("101", number, **request))
    assert steps[-1] == ("socket", "${switchctl_socket} async full"), steps
    (data,) = [data for app, data in steps if app == "multiset"]
    return dict(item.split("=", 1) for item in data.split())


def no_answer_102(client):
    return routed(client, "102", context="outcome", originate_disposition="NO_ANSWER",
                  switchctl_path="102")


def leave(server, settings, variables, caller=None, **options):
    """Place the call into the flow; ``caller``: an outside caller's number (None: our
    extension 101, authenticated)."""
    channel = {"domain_name": "pbx.local", "user_name": "101", **variables}
    headers = {}
    if caller is not None:
        channel["user_name"] = ""
        headers["Caller-Caller-ID-Number"] = caller
    fake = FakeCall(server.port, channel, headers=headers,
                    local_path=lambda path: path.replace(SWITCH_MEDIA, str(settings.media_folder)),
                    **options)
    worker = gevent.spawn(fake.run)
    assert server.ended.get(timeout=10)
    assert fake.done.wait(timeout=10)
    worker.join(timeout=5)
    return fake


def record_command(fake):
    (arg,) = [arg for app, arg in fake.executed if app == "record"]
    return arg


def only_message():
    (message,) = VoicemailMessage.select()
    return message


def lamp(lamps):
    return lamps.wait_for_command("sendevent MESSAGE_WAITING")


def test_no_answer_leaves_a_message_with_the_default_greeting(client, server, settings, lamps):
    fake = leave(server, settings, no_answer_102(client), recordings=[wav(5.2)])
    message = only_message()
    path = f"{SWITCH_MEDIA}/voicemail/pbx.local/102/{message.uid}.wav"
    assert fake.executed == [
        ("answer", ""),
        ("set", "playback_terminators=#"),
        ("playback", GREETING_102),
        ("playback", BEEP),
        ("record", f"{path} 120 200 3"),
        ("playback", "voicemail/vm-goodbye.wav"),
        ("hangup", "NORMAL_CLEARING"),
    ]
    assert (message.mailbox_id, message.caller_number, message.caller_name, message.duration,
            message.read) == (Extension.get(number="102").id, "101", "Alice", 5, False)
    assert (settings.media_folder / message.path).read_bytes() == wav(5.2)
    assert fake.written == [settings.media_folder / message.path]
    assert "MWI-Message-Account: sip:102@pbx.local MWI-Voice-Message: 1/0" in lamp(lamps)


def test_busy_plays_the_busy_greeting(client, server, settings):
    variables = routed(client, "102", context="outcome", originate_disposition="USER_BUSY",
                       switchctl_path="102")
    assert variables["switchctl_voicemail_reason"] == "busy"
    fake = leave(server, settings, variables, recordings=[wav(4)])
    assert ("playback", BUSY_102) in fake.executed
    assert only_message().duration == 4


def test_do_not_disturb_is_busy(client, server, settings):
    set_dnd(Extension.get(number="102"), True)
    fake = leave(server, settings, routed(client, "102"), recordings=[wav(4)])
    assert ("playback", BUSY_102) in fake.executed and only_message()


def test_unavailable_leaves_a_message(client, server, settings):
    variables = routed(client, "102", context="outcome",
                       originate_disposition="USER_NOT_REGISTERED", switchctl_path="102")
    assert variables["switchctl_voicemail_reason"] == "unavailable"
    fake = leave(server, settings, variables, recordings=[wav(4)])
    assert ("playback", GREETING_102) in fake.executed and only_message()


def test_the_end_of_follow_me_leaves_a_message(client, server, settings):
    set_follow_me(Extension.get(number="102"), [("105", 10)])
    variables = routed(client, "102", context="outcome", originate_disposition="USER_BUSY",
                       switchctl_follow_me="true", switchctl_path="102")
    assert variables["switchctl_mailbox"] == "102"
    fake = leave(server, settings, variables, recordings=[wav(4)])
    assert ("playback", GREETING_102) in fake.executed  # nobody answered: "not available"
    assert only_message().mailbox_id == Extension.get(number="102").id


def own_greeting(settings, kind, seconds=2):
    owner = Extension.get(number="102").id
    relative = voicemail_settings.new_greeting_path(settings.media_folder, owner, kind)
    (settings.media_folder / relative).write_bytes(wav(seconds))
    voicemail_settings.store_greeting(settings.media_folder, owner, kind, relative)
    return f"{SWITCH_MEDIA}/{relative}"


def test_the_owners_own_greeting_for_the_case(client, server, settings):
    unavailable = own_greeting(settings, "unavailable")
    busy = own_greeting(settings, "busy")
    fake = leave(server, settings, no_answer_102(client), recordings=[wav(4)])
    assert fake.executed[2] == ("playback", unavailable)
    busy_call = routed(client, "102", context="outcome", originate_disposition="USER_BUSY",
                       switchctl_path="102")
    assert leave(server, settings, busy_call, recordings=[wav(4)]).executed[2] == (
        "playback", busy)


def test_an_own_greeting_whose_file_is_gone_gives_the_default(client, server, settings):
    path = own_greeting(settings, "unavailable")
    (settings.media_folder / path.removeprefix(SWITCH_MEDIA + "/")).unlink()
    fake = leave(server, settings, no_answer_102(client), recordings=[wav(4)])
    assert fake.executed[2] == ("playback", GREETING_102)


def test_zero_in_the_greeting_reaches_the_operator(client, server, settings, domain):
    set_setting(domain, voicemail.OPERATOR_SETTING, "105")
    fake = leave(server, settings, no_answer_102(client), keys={2: "0"})
    assert fake.executed == [
        ("answer", ""),
        ("set", "playback_terminators=#0"),
        ("playback", GREETING_102),
        ("transfer", "105 XML default"),
    ]
    assert fake.commands[-1] == "exit"  # not hung up: the switch rings the operator
    outside = leave(server, settings, no_answer_102(client), caller="13912345678",
                    keys={2: "0"})
    assert outside.executed[-1] == ("transfer", "105 XML public")
    assert not VoicemailMessage.select().exists()
    assert not list((settings.media_folder / "voicemail").rglob("*.wav"))


def test_zero_does_nothing_without_an_operator(client, server, settings):
    fake = leave(server, settings, no_answer_102(client), keys={2: "0"},
                 recordings=[wav(4)])
    assert [app for app, _ in fake.executed].count("transfer") == 0
    assert only_message()


def test_pound_skips_the_greeting_and_ends_the_message(client, server, settings, domain):
    set_setting(domain, voicemail.OPERATOR_SETTING, "105")
    fake = leave(server, settings, no_answer_102(client), keys={2: "#", 5: "#"},
                 recordings=[wav(6)])
    assert fake.executed[3] == ("set", "playback_terminators=#")
    assert [app for app, _ in fake.executed][4:] == ["playback", "record", "playback", "hangup"]
    assert fake.channel["playback_terminator_used"] == "#"
    assert only_message().duration == 6


def test_an_outside_caller_is_named_from_the_owners_contacts(client, server, settings,
                                                             domain):
    from switchctl.services.contacts import add_contact

    add_contact(domain, "Bob's dentist", "13912345678", owner=Extension.get(number="102"))
    leave(server, settings, no_answer_102(client), caller="13912345678", recordings=[wav(4)])
    leave(server, settings, no_answer_102(client), caller="101", recordings=[wav(4)])
    names = {m.caller_number: m.caller_name for m in VoicemailMessage.select()}
    assert names == {"13912345678": "Bob's dentist", "101": ""}  # "101" from outside: no name


def test_the_longest_message_is_the_domains_setting(client, server, settings, domain):
    set_setting(domain, voicemail.MAX_SECONDS_SETTING, "300")
    fake = leave(server, settings, no_answer_102(client), recordings=[wav(4)])
    assert record_command(fake).endswith(".wav 300 200 3")


def assert_nothing_left(settings):
    assert not VoicemailMessage.select().exists()
    assert not list(settings.media_folder.rglob("*.wav"))


# answer, set terminators, greeting, beep, record, goodbye
@pytest.mark.parametrize("step", [0, 1, 2, 3])
def test_hanging_up_before_the_recording_leaves_nothing(client, server, settings, lamps, step):
    fake = leave(server, settings, no_answer_102(client), hang_up_at=step, recordings=[wav(5)])
    assert len(fake.executed) == step + 1 and "record" not in dict(fake.executed)
    assert_nothing_left(settings)
    assert not [c for c in lamps.commands if c.startswith("sendevent")]


def test_hanging_up_to_end_the_message_keeps_it(client, server, settings, lamps):
    fake = leave(server, settings, no_answer_102(client), hang_up_at=4, recordings=[wav(7)])
    assert [app for app, _ in fake.executed] == ["answer", "set", "playback", "playback",
                                                 "record"]
    assert only_message().duration == 7
    assert "MWI-Voice-Message: 1/0" in lamp(lamps)


def test_hanging_up_after_the_recording_keeps_the_message(client, server, settings):
    leave(server, settings, no_answer_102(client), hang_up_at=5, recordings=[wav(4)])
    assert only_message().duration == 4


def test_hanging_up_after_a_word_or_two_leaves_nothing(client, server, settings, lamps):
    leave(server, settings, no_answer_102(client), hang_up_at=4, recordings=[wav(1.5)])
    assert_nothing_left(settings)
    assert not [c for c in lamps.commands if c.startswith("sendevent")]


@pytest.mark.parametrize("recording", [
    FakeRecording(silence(3.1), {"silence_hits_exhausted": "true"}),  # nobody spoke
    FakeRecording(wav(8), {"record_ms": "2400"}),  # the switch's own count decides
    FakeRecording(wav(2)),
    FakeRecording(None),  # the switch wrote nothing
])
def test_a_silent_or_too_short_recording_is_no_message(client, server, settings, lamps,
                                                       recording):
    fake = leave(server, settings, no_answer_102(client), recordings=[recording])
    assert fake.executed[-2:] == [("playback", "voicemail/vm-goodbye.wav"),
                                  ("hangup", "NORMAL_CLEARING")]
    assert_nothing_left(settings)
    assert not [c for c in lamps.commands if c.startswith("sendevent")]


def test_a_switch_gone_mid_recording_leaves_no_orphan_file(client, server, settings):
    """The socket is cut while recording (after the file was written, as a crashing
    switch may leave it): what is there is stored or removed, never left behind."""
    leave(server, settings, no_answer_102(client), vanish_at=4, recordings=[wav(2)])
    assert_nothing_left(settings)


def group_writes(folder):
    """The switch's user is a member of the media folder's group (README: Media folder),
    not its owner: it may write into a folder whose group may."""
    return folder.stat().st_mode & 0o030 == 0o030


def mailbox_folder(settings, mode):
    """102's message folder as an operator may have left it: the folders above it as
    switchctl makes them, itself ``mode``."""
    folder = settings.media_folder / "voicemail/pbx.local/102"
    voicemail.new_message_file(settings.media_folder, voicemail.mailbox("pbx.local", "102"))
    folder.chmod(mode)
    return folder


def errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize("ending", [{}, {"vanish_at": 4}])
def test_a_folder_the_switch_cannot_write_is_an_error_naming_its_path(
        client, server, settings, lamps, caplog, ending):
    """On the real switch: record cannot open the file, the switch hangs the caller up
    (DESTINATION_OUT_OF_ORDER) and sets no record_ms. switchctl saw the folder's mode
    before the caller spoke (a warning) and says at ERROR where the switch could not
    write and what to check; also when the socket's end comes before record's completion
    (``vanish_at``: as on the real switch now and then)."""
    mailbox_folder(settings, 0o755)
    fake = leave(server, settings, no_answer_102(client), recordings=[wav(5)],
                 switch_writes=group_writes, **ending)
    assert [app for app, _ in fake.executed][-2:] == ["playback", "record"]  # then hung up
    assert_nothing_left(settings)
    assert not [c for c in lamps.commands if c.startswith("sendevent")]
    folder = settings.media_folder / "voicemail/pbx.local/102"
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"{folder} is mode 0755: its group may not write into it" in warning
    switch_path = record_command(fake).split()[0]  # the path as the switch sees it
    assert switch_path.startswith(f"{SWITCH_MEDIA}/voicemail/pbx.local/102/")
    (error,) = errors(caplog)
    assert error.startswith(f"voicemail: the switch could not write {switch_path}, so the "
                            "message from 101 for 102@pbx.local is lost")
    assert "mode 2770" in error and "SWITCHCTL_SWITCH_MEDIA" in error
    assert f"switchctl sees: {folder} is mode 0755" in error


@pytest.mark.parametrize(("options", "recording"), [
    ({}, FakeRecording(None, {"record_ms": "0"})),  # recorded (a silent caller), then lost
    ({"hang_up_at": 4}, FakeRecording(None)),  # the caller was gone before record began
])
def test_a_missing_recording_the_switch_did_record_is_no_error(
        client, server, settings, caplog, options, recording):
    leave(server, settings, no_answer_102(client), recordings=[recording], **options)
    assert_nothing_left(settings)
    assert errors(caplog) == []


@pytest.mark.parametrize("variables", [
    {"switchctl_mailbox": "999", "switchctl_voicemail_reason": "busy"},
    {"switchctl_mailbox": "102", "switchctl_voicemail_reason": "whatever"},
    {"switchctl_mailbox": "../../x", "switchctl_voicemail_reason": "busy"},
])
def test_a_mailbox_that_cannot_take_messages_says_not_available(server, settings, variables):
    fake = leave(server, settings, {"switchctl_flow": "voicemail", **variables})
    assert fake.executed == [("answer", ""), ("playback", prompts.NOT_AVAILABLE),
                             ("hangup", "NORMAL_CLEARING")]
    assert_nothing_left(settings)


def test_voicemail_switched_off_after_routing_says_not_available(client, server, settings):
    variables = no_answer_102(client)
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    fake = leave(server, settings, variables, recordings=[wav(4)])
    assert ("playback", prompts.NOT_AVAILABLE) in fake.executed
    assert_nothing_left(settings)
