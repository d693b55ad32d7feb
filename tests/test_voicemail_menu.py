"""The mailbox menu (``*61#`` own mailbox, ``*60#`` main menu) on the fake switch: the
dialplan's hand-over, then every menu driven by DTMF, asserting what the switch is asked
to do and what the database and the media folder hold afterwards."""

import datetime
import logging
import os
import time

import gevent
import pytest
from gevent.queue import Queue

from switchctl.config import HostPort
from switchctl.esl.outbound import OutboundServer
from switchctl.freeswitch import prompts, variables
from switchctl.ivr import FLOWS, FlowContext, flows
from switchctl.ivr import voicemail_menu as menu
from switchctl.models import Extension, VoicemailGreeting, VoicemailMessage
from switchctl.passwords import hash_pin
from switchctl.services import domains, voicemail, voicemail_settings as settings
from tests.builders.audio import wav
from tests.builders.dialplan import call, steps_of
from tests.fakes.fake_switch import FakeCall, FakeRecording

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]

DOMAIN = "pbx.local"
RECEIVED = datetime.datetime(2024, 3, 6, 14, 56, 7)
NUMBER_1 = ("say", "en number pronounced 1")


class Lamps:
    """The live view's side the flow uses: which mailboxes were said to have changed."""

    def __init__(self):
        self.changed = []

    def mailbox_changed(self, domain_name, number):
        self.changed.append((domain_name, number))


@pytest.fixture
def lamps():
    return Lamps()


@pytest.fixture
def ended():
    """One note per flow that has finished (its last change, or clean-up, is done)."""
    return Queue()


@pytest.fixture
def server(config, db, lamps, ended):
    def watched(factory):
        def make(call_session):
            flow = factory(call_session)

            class Watched:
                def run(self):
                    try:
                        flow.run()
                    finally:
                        ended.put(True)
            return Watched()
        return make

    context = FlowContext(config=config, live=lamps)
    factories = {name: watched(factory) for name, factory in flows(context).items()}
    running = OutboundServer(HostPort("127.0.0.1", 0), factories).start()
    yield running
    running.stop()


def ext(number):
    return Extension.get(Extension.number == number)


def dial(server, ended, caller="101", mode="own", **options):
    """One call into the menu, as the dialplan hands it over; returns the FakeCall once
    the flow has finished."""
    channel = {variables.FLOW: "voicemail_menu", variables.MAILBOX_MENU: mode,
               variables.MAILBOX_MENU_CALLER: ext(caller).id}
    fake = FakeCall(server.port, channel, **options)
    worker = gevent.spawn(fake.run)
    assert fake.done.wait(timeout=20), fake.executed[-3:]
    ended.get(timeout=10)
    worker.join(timeout=5)
    return fake


def leave(config, number="101", caller="105", read=False, minutes=0):
    """A message in ``number``'s mailbox as the leave-message flow stores one."""
    box = voicemail.mailbox(DOMAIN, number)
    message_file = voicemail.new_message_file(config.media_folder, box)
    (config.media_folder / message_file.relative).write_bytes(wav(4))
    message = voicemail.store_message(config.media_folder, box, message_file, caller).message
    (VoicemailMessage.update(read=read, received=RECEIVED + datetime.timedelta(minutes=minutes))
     .where(VoicemailMessage.id == message.id).execute())
    return VoicemailMessage.get_by_id(message.id)


def at_switch(config, relative):
    return f"{config.switch_media_folder}/{relative}"


def played(fake):
    return [arg for app, arg in fake.executed if app == "playback"]


def asked(fake):
    """The prompt of each play_and_get_digits, in order."""
    return [arg.split()[5] for app, arg in fake.executed if app == "play_and_get_digits"]


def apps(fake):
    return [app for app, _ in fake.executed]


def message_prompt(call_back=False):
    return menu.message_menu(call_back)[0]


def files(folder):
    return {p for p in folder.rglob("*.wav")} if folder.exists() else set()


def consistent(config):
    """No greeting or message row without its file, no file without its row."""
    media = config.media_folder
    greeting_rows = {media / path for (path,) in VoicemailGreeting.select(
        VoicemailGreeting.path).tuples()}
    message_rows = {media / path for (path,) in VoicemailMessage.select(
        VoicemailMessage.path).tuples()}
    return (files(media / settings.GREETINGS_FOLDER) == greeting_rows
            and files(media / voicemail.FOLDER) == message_rows)


# The dialplan's hand-over.

@pytest.mark.parametrize(("dialled", "mode"), [("*61#", "own"), ("*61", "own"),
                                               ("*60#", "main"), ("*60", "main")])
def test_the_codes_hand_the_call_to_the_menu_with_the_callers_identity(client, dialled, mode):
    steps = steps_of(client, call("102", dialled))
    assert steps == [
        ("multiset", f"{variables.FLOW}=voicemail_menu {variables.MAILBOX_MENU}={mode} "
                     f"{variables.MAILBOX_MENU_CALLER}={ext('102').id}"),
        ("socket", "${switchctl_socket} async full"),
    ]
    assert "voicemail_menu" in FLOWS


def test_a_code_with_something_after_it_is_not_the_menu(client):
    steps = steps_of(client, call("102", "*61105#"))
    assert ("socket", "${switchctl_socket} async full") not in steps


# Logging in.

def test_own_mailbox_asks_the_pin_then_says_the_counts(server, ended, config):
    leave(config)
    leave(config, caller="102", read=True, minutes=1)
    leave(config, caller="103", read=True, minutes=2)
    fake = dial(server, ended, digits=["1234"])
    assert fake.executed[:11] == [
        ("answer", ""),
        ("play_and_get_digits", f"1 11 2 8000 # {menu.ENTER_PIN} {prompts.INVALID_ENTRY} "
                                "switchctl_collected ^[0-9]+$ 3000"),
        ("playback", prompts.VM_YOU_HAVE), NUMBER_1, ("playback", prompts.VM_NEW),
        ("playback", prompts.VM_MESSAGE),
        ("playback", prompts.VM_YOU_HAVE), ("say", "en number pronounced 2"),
        ("playback", prompts.VM_SAVED), ("playback", prompts.VM_MESSAGES),
        ("play_and_get_digits", f"1 1 2 5000 # {menu.MAIN_MENU} {prompts.INVALID_ENTRY} "
                                "switchctl_collected ^[125]$ 3000"),
    ]
    # Nothing chosen (the switch asked twice): goodbye.
    assert fake.executed[11:] == [("playback", prompts.GOODBYE), ("hangup", "NORMAL_CLEARING")]


def test_the_main_menu_says_every_choice():
    assert menu.MAIN_MENU == prompts.sequence(
        prompts.VM_LISTEN_NEW, prompts.PRESS, "digits/1.wav",
        prompts.VM_LISTEN_SAVED, prompts.PRESS, "digits/2.wav",
        prompts.VM_ADVANCED, prompts.PRESS, "digits/5.wav")
    for prompt in (menu.MAIN_MENU, menu.OPTIONS, menu.REVIEW, menu.WHICH_GREETING,
                   message_prompt(True), menu.ENTER_PIN, menu.ENTER_MAILBOX):
        names = prompt.removeprefix("file_string://").split("!")
        assert all(prompts.is_known(name) for name in names), prompt
        assert " " not in prompt  # play_and_get_digits splits its argument at spaces


@pytest.mark.parametrize("entered", [["1111", "2222", "3333"], [], ["", "12345", "1234*"]])
def test_three_wrong_pins_end_the_call_with_a_prompt(server, ended, config, entered):
    leave(config)
    fake = dial(server, ended, digits=entered)
    assert asked(fake) == [menu.ENTER_PIN] * 3
    assert played(fake) == [prompts.VM_FAIL_AUTH] * 3 + [prompts.VM_ABORT, prompts.GOODBYE]
    assert apps(fake)[-1] == "hangup"
    assert VoicemailMessage.get().read is False


def test_a_wrong_pin_then_the_right_one_opens_the_mailbox(server, ended):
    fake = dial(server, ended, digits=["4321", "1234"])
    assert played(fake)[:2] == [prompts.VM_FAIL_AUTH, prompts.VM_YOU_HAVE]
    assert asked(fake) == [menu.ENTER_PIN, menu.ENTER_PIN, menu.MAIN_MENU]


def test_the_main_menu_opens_another_mailbox_with_its_pin(server, ended, config, lamps):
    theirs = leave(config, number="102", caller="105")
    fake = dial(server, ended, caller="101", mode="main", digits=["102", "1234", "1", "6"])
    assert asked(fake)[:3] == [menu.ENTER_MAILBOX, menu.ENTER_PIN, menu.MAIN_MENU]
    assert ("playback", at_switch(config, theirs.path)) in fake.executed
    assert VoicemailMessage.get_by_id(theirs.id).read is True
    assert lamps.changed == [(DOMAIN, "102")]


def test_the_main_menu_refuses_another_mailbox_without_its_pin(server, ended, config):
    Extension.update(voicemail_pin_hash=hash_pin("8642")).where(
        Extension.number == "102").execute()
    leave(config, number="102")
    fake = dial(server, ended, mode="main",
                digits=["102", "1234", "999", "1234", "", "102", "8642", ""])
    # An unknown mailbox is asked for its PIN all the same; nothing entered is a try too.
    assert asked(fake)[:5] == [menu.ENTER_MAILBOX, menu.ENTER_PIN, menu.ENTER_MAILBOX,
                               menu.ENTER_PIN, menu.ENTER_MAILBOX]
    assert played(fake)[:3] == [prompts.VM_FAIL_AUTH] * 3
    assert prompts.VM_ABORT in played(fake) and menu.MAIN_MENU not in asked(fake)


@pytest.mark.parametrize("off", ["enabled", "voicemail_enabled"])
def test_the_main_menu_refuses_a_mailbox_that_is_off_as_a_wrong_pin(server, ended, config,
                                                                    off):
    leave(config, number="102")
    refused = dial(server, ended, mode="main", digits=["102", "0000"] * 3).executed
    Extension.update(**{off: False}).where(Extension.number == "102").execute()
    fake = dial(server, ended, mode="main", digits=["102", "1234"] * 3)
    # The right PIN of a mailbox that is off: what a wrong one gets, step for step.
    assert fake.executed == refused
    assert played(fake) == [prompts.VM_FAIL_AUTH] * 3 + [prompts.VM_ABORT, prompts.GOODBYE]
    assert VoicemailMessage.get().read is False


def test_own_mailbox_with_voicemail_off_is_not_permitted(server, ended, config):
    leave(config)
    Extension.update(voicemail_enabled=False).where(Extension.number == "101").execute()
    fake = dial(server, ended, digits=["1234", "1"])
    assert fake.executed == [("answer", ""), ("playback", prompts.NOT_PERMITTED),
                             ("playback", prompts.GOODBYE), ("hangup", "NORMAL_CLEARING")]
    assert VoicemailMessage.get().read is False


# Listening.

def test_listen_save_delete_and_next(server, ended, config, lamps):
    first = leave(config, caller="105", minutes=0)
    second = leave(config, caller="13800000000", minutes=5)
    old = leave(config, caller="102", read=True, minutes=-60)
    fake = dial(server, ended, digits=["1234", "1", "2", "7", "6", ""])
    steps = fake.executed
    start = steps.index(("playback", prompts.VM_RECEIVED))
    assert steps[start:start + 6] == [
        ("playback", prompts.VM_RECEIVED),
        ("say", "en current_date_time pronounced '2024-03-06 14:56:07'"),
        ("playback", prompts.VM_MESSAGE_FROM), ("say", "en number iterated 105"),
        ("playback", at_switch(config, first.path)),
        ("play_and_get_digits", f"1 1 2 5000 # {message_prompt(True)} "
                                f"{prompts.INVALID_ENTRY} switchctl_collected ^[125670]$ 3000"),
    ]
    heard = [arg for arg in played(fake) if arg.startswith(str(config.switch_media_folder))]
    assert heard == [at_switch(config, m.path) for m in (first, second, old)]  # new first
    assert ("say", "en number iterated 13800000000") in steps
    assert prompts.sequence(prompts.VM_MESSAGE, prompts.VM_SAVED) in played(fake)
    assert prompts.sequence(prompts.VM_MESSAGE, prompts.VM_DELETED) in played(fake)
    assert played(fake)[-2:] == [prompts.VM_NO_MORE_MESSAGES, prompts.GOODBYE]
    assert VoicemailMessage.get_by_id(first.id).read is True
    assert VoicemailMessage.get_or_none(VoicemailMessage.id == second.id) is None
    assert not (config.media_folder / second.path).exists()
    assert VoicemailMessage.get_by_id(old.id).read is True
    # Heard (read), heard (read), deleted: the lamp told each time; the saved one: no change.
    assert lamps.changed == [(DOMAIN, "101")] * 3
    assert consistent(config)


@pytest.fixture
def machine_in_paris():
    """This process's local zone is Paris (what models.base.now stores times in)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Europe/Paris"
    time.tzset()
    domains.machine_zone.cache_clear()
    yield
    if before is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = before
    time.tzset()
    domains.machine_zone.cache_clear()


@pytest.mark.parametrize(("zone", "said"), [
    # Paris is UTC+1 in March, UTC+2 in July; Kolkata UTC+5:30 all year.
    ("Asia/Kolkata", ["2024-03-06 19:26:07", "2024-07-01 18:26:07"]),
    ("", ["2024-03-06 14:56:07", "2024-07-01 14:56:07"]),  # none set: the machine's zone
])
def test_the_time_a_message_came_is_said_in_the_domains_zone(
        server, ended, config, domain, machine_in_paris, zone, said):
    if zone:
        domains.set_setting(domain, domains.TIME_ZONE, zone)
    leave(config, caller="105")
    summer = leave(config, caller="102", minutes=1)
    VoicemailMessage.update(received=datetime.datetime(2024, 7, 1, 14, 56, 7)).where(
        VoicemailMessage.id == summer.id).execute()
    fake = dial(server, ended, digits=["1234", "1", "6", "6", ""])
    times = [arg for app, arg in fake.executed if app == "say" and "current_date_time" in arg]
    assert times == [f"en current_date_time pronounced '{moment}'" for moment in said]


def test_replay_plays_the_message_again(server, ended, config):
    message = leave(config)
    fake = dial(server, ended, digits=["1234", "1", "1", "6", ""])
    assert played(fake).count(at_switch(config, message.path)) == 2
    assert played(fake).count(prompts.VM_RECEIVED) == 1


def test_saved_messages_only_and_back_to_the_main_menu(server, ended, config):
    leave(config, caller="102")
    saved = leave(config, caller="103", read=True)
    fake = dial(server, ended, digits=["1234", "2", "0", ""])
    heard = [arg for arg in played(fake) if arg.startswith(str(config.switch_media_folder))]
    assert heard == [at_switch(config, saved.path)]
    assert asked(fake)[-2:] == [message_prompt(True), menu.MAIN_MENU]
    assert prompts.VM_NO_MORE_MESSAGES not in played(fake)


def test_an_empty_mailbox_says_no_more_messages(server, ended):
    fake = dial(server, ended, digits=["1234", "1", ""])
    assert ("say", "en number pronounced 0") in fake.executed
    assert played(fake)[-2:] == [prompts.VM_NO_MORE_MESSAGES, prompts.GOODBYE]


def test_a_new_message_not_heard_to_its_end_stays_new(server, ended, config, lamps):
    message = leave(config)
    heard = dial(server, ended, digits=["1234", "1", "6", ""])
    playing = heard.executed.index(("playback", at_switch(config, message.path)))
    VoicemailMessage.update(read=False).execute()
    lamps.changed.clear()
    fake = dial(server, ended, digits=["1234", "1"], hang_up_at=playing)
    assert fake.executed[-1] == ("playback", at_switch(config, message.path))
    assert VoicemailMessage.get_by_id(message.id).read is False
    assert lamps.changed == []


@pytest.mark.parametrize(("caller", "dialled"), [("105", "105"),
                                                 ("13800000000", "913800000000"),
                                                 ("+4930123456", "9+4930123456")])
def test_call_back_transfers_to_the_callers_number(server, ended, config, caller, dialled):
    leave(config, caller=caller)
    fake = dial(server, ended, digits=["1234", "1", "5"])
    assert fake.executed[-1] == ("transfer", f"{dialled} XML default")
    assert fake.commands[-1] == "exit"  # not hung up: the dialplan rings the number
    assert VoicemailMessage.get().read is True


@pytest.mark.parametrize("caller", ["", "anonymous", "12"])
def test_no_call_back_for_a_number_that_cannot_be_dialled(server, ended, config, caller):
    leave(config, caller=caller)
    fake = dial(server, ended, digits=["1234", "1", "5", "5"])
    assert message_prompt(False) in asked(fake)
    assert "transfer" not in apps(fake)
    assert played(fake).count(prompts.INVALID_ENTRY) == 2
    if not caller.isdigit():
        assert prompts.VM_ANONYMOUS in played(fake)


def test_no_call_back_outside_without_an_outbound_route(server, ended, config, domain):
    domain.outbound_routes[0].delete_instance()
    leave(config, caller="13800000000")
    fake = dial(server, ended, digits=["1234", "1", "6", ""])
    assert message_prompt(False) in asked(fake)


def test_an_invalid_key_gets_a_prompt_and_the_menu_once_more(server, ended):
    fake = dial(server, ended, digits=["1234", "9", "8"])
    assert asked(fake)[1:] == [menu.MAIN_MENU, menu.MAIN_MENU]
    assert played(fake)[-3:] == [prompts.INVALID_ENTRY, prompts.INVALID_ENTRY,
                                 prompts.GOODBYE]


class PortalDeletes(FakeCall):
    """A call during which the portal deletes a message, once ``while_playing`` plays."""

    def __init__(self, *args, while_playing, delete, **options):
        super().__init__(*args, **options)
        self.while_playing = while_playing
        self.delete = delete

    def _execute(self, sock, message):
        if message.get("execute-app-arg") == self.while_playing:
            self.delete()
        super()._execute(sock, message)


def test_a_message_deleted_meanwhile_is_passed_over(server, ended, config, lamps):
    first = leave(config, caller="105")
    gone = leave(config, caller="102", minutes=1)
    last = leave(config, caller="103", minutes=2)
    box = voicemail.mailbox(DOMAIN, "101")
    channel = {variables.FLOW: "voicemail_menu", variables.MAILBOX_MENU: "own",
               variables.MAILBOX_MENU_CALLER: ext("101").id}
    fake = PortalDeletes(server.port, channel, digits=["1234", "1", "6", "6", ""],
                         while_playing=at_switch(config, first.path),
                         delete=lambda: voicemail.delete_message(config.media_folder, box,
                                                                 gone.uid))
    worker = gevent.spawn(fake.run)
    assert fake.done.wait(timeout=20)
    ended.get(timeout=10)
    worker.join(timeout=5)
    heard = [arg for arg in played(fake) if arg.startswith(str(config.switch_media_folder))]
    assert heard == [at_switch(config, first.path), at_switch(config, last.path)]
    assert played(fake)[-2:] == [prompts.VM_NO_MORE_MESSAGES, prompts.GOODBYE]


# Greetings.

def greeting_row(kind, number="101"):
    return VoicemailGreeting.get_or_none(VoicemailGreeting.mailbox == ext(number).id,
                                         VoicemailGreeting.kind == kind)


def test_record_listen_and_save_a_greeting(server, ended, config):
    fake = dial(server, ended, digits=["1234", "5", "1", "1", "1", "2", "0", ""],
                recordings=[wav(2.5)])
    row = greeting_row("unavailable")
    (recorded,) = fake.written
    assert config.media_folder / row.path == recorded
    assert recorded.read_bytes() == wav(2.5)
    at = fake.executed.index(("playback", prompts.VM_RECORD_GREETING))
    assert fake.executed[at:at + 5] == [
        ("playback", prompts.VM_RECORD_GREETING), ("playback", prompts.VM_BEEP),
        ("set", "playback_terminators=any"),
        ("record", f"{at_switch(config, row.path)} 60 200 3"),
        ("unset", "playback_terminators"),
    ]
    assert asked(fake)[1:6] == [menu.MAIN_MENU, menu.OPTIONS, menu.WHICH_GREETING,
                                menu.REVIEW, menu.REVIEW]
    assert ("playback", at_switch(config, row.path)) in fake.executed  # listened back
    assert prompts.sequence(prompts.VM_GREETING, prompts.VM_SAVED) in played(fake)
    assert greeting_row("busy") is None
    assert settings.greeting(ext("101").id, "unavailable") == row.path
    assert consistent(config)


def test_record_again_keeps_only_the_take_saved(server, ended, config):
    fake = dial(server, ended, digits=["1234", "5", "1", "2", "3", "2", ""],
                recordings=[wav(2), wav(3)])
    first, second = fake.written
    assert not first.exists() and second.read_bytes() == wav(3)
    assert config.media_folder / greeting_row("busy").path == second
    assert consistent(config)


def test_a_new_greeting_replaces_the_old_one(server, ended, config):
    dial(server, ended, digits=["1234", "5", "1", "2", "2", ""], recordings=[wav(2)])
    old = config.media_folder / greeting_row("busy").path
    dial(server, ended, digits=["1234", "5", "1", "2", "2", ""], recordings=[wav(3)])
    assert not old.exists()
    assert (config.media_folder / greeting_row("busy").path).read_bytes() == wav(3)
    assert VoicemailGreeting.select().count() == 1 and consistent(config)


def test_a_too_short_greeting_is_refused_and_recorded_again(server, ended, config):
    fake = dial(server, ended, digits=["1234", "5", "1", "1", "2", "2", ""],
                recordings=[wav(0.4), wav(2)])
    assert prompts.VM_TOO_SMALL in played(fake)
    short, kept = fake.written
    assert not short.exists()
    assert config.media_folder / greeting_row("unavailable").path == kept
    assert consistent(config)


def test_a_recording_the_switch_did_not_write_is_no_greeting(server, ended, config, caplog):
    # No audio (a phone that sends none): the switch recorded, 0 ms, and kept no file.
    silent = FakeRecording(None, {"record_ms": "0"})
    fake = dial(server, ended, digits=["1234", "5", "1", "1", "2", "0", ""],
                recordings=[silent, silent])  # refused, then recorded again
    assert prompts.VM_TOO_SMALL in played(fake)
    assert greeting_row("unavailable") is None and consistent(config)
    assert errors(caplog) == []


def errors(caplog):
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def group_writes(folder):
    """The switch's user is a member of the media folder's group, not its owner: it may
    write into a folder whose group may."""
    return folder.stat().st_mode & 0o030 == 0o030


def test_a_greetings_folder_the_switch_cannot_write_is_an_error_naming_its_path(
        server, ended, config, caplog):
    """As on the real switch: record cannot open the file, so the switch hangs the caller
    up (DESTINATION_OUT_OF_ORDER) and sets no record_ms."""
    folder = config.media_folder / settings.GREETINGS_FOLDER
    settings.new_greeting_path(config.media_folder, ext("101").id, "busy")  # makes it
    folder.chmod(0o755)
    fake = dial(server, ended, digits=["1234", "5", "1", "1"], recordings=[wav(2)],
                switch_writes=group_writes)
    assert apps(fake)[-1] == "record" and fake.written == []
    switch_path = next(arg for app, arg in fake.executed if app == "record").split()[0]
    assert switch_path.startswith(f"{config.switch_media_folder}/greetings/")
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert f"{folder} is mode 0755: its group may not write into it" in warning
    (error,) = errors(caplog)
    assert error.startswith(f"mailbox menu: the switch could not write {switch_path}, so "
                            "the unavailable greeting of 101@pbx.local was not recorded")
    assert "mode 2770" in error and "SWITCHCTL_SWITCH_MEDIA" in error
    assert f"switchctl sees: {folder} is mode 0755" in error
    assert greeting_row("unavailable") is None and consistent(config)


def test_a_take_the_switch_did_not_record_on_a_call_still_up_is_said_to_be_an_error(
        server, ended, config, caplog):
    fake = dial(server, ended, digits=["1234", "5", "1", "1", "", ""],
                recordings=[FakeRecording()])  # no file, no record_ms: not recorded
    (error,) = errors(caplog)
    assert "the unavailable greeting of 101@pbx.local was not recorded" in error
    at = apps(fake).index("record")
    assert fake.executed[at + 1:at + 3] == [("unset", "playback_terminators"),
                                            ("playback", prompts.ERROR)]
    assert asked(fake)[-2:] == [menu.OPTIONS, menu.MAIN_MENU]  # the call goes on
    assert menu.REVIEW not in asked(fake)
    assert greeting_row("unavailable") is None and consistent(config)


def test_not_confirming_a_take_stores_nothing(server, ended, config):
    fake = dial(server, ended, digits=["1234", "5", "1", "1", "", ""], recordings=[wav(2)])
    (take,) = fake.written
    assert not take.exists() and greeting_row("unavailable") is None
    assert asked(fake)[-2:] == [menu.OPTIONS, menu.MAIN_MENU]  # back, then goodbye


def test_erase_a_greeting(server, ended, config):
    dial(server, ended, digits=["1234", "5", "1", "2", "2", ""], recordings=[wav(2)])
    stored = config.media_folder / greeting_row("busy").path
    fake = dial(server, ended, digits=["1234", "5", "3", "2", "0", ""])
    assert greeting_row("busy") is None and not stored.exists()
    assert prompts.sequence(prompts.VM_GREETING, prompts.VM_DELETED) in played(fake)
    assert consistent(config)


def test_a_greeting_that_cannot_be_erased_is_said_so_and_kept(server, ended, config):
    dial(server, ended, digits=["1234", "5", "1", "2", "2", ""], recordings=[wav(2)])
    stored = config.media_folder / greeting_row("busy").path
    stored.unlink()
    stored.mkdir()  # a file switchctl may not remove
    fake = dial(server, ended, digits=["1234", "5", "3", "2", ""])
    assert prompts.ERROR in played(fake) and greeting_row("busy") is not None
    assert asked(fake)[-1] == menu.MAIN_MENU  # the call goes on


# The PIN.

def pin_is(number, pin):
    return settings.check_pin(ext(number).id, pin)


def test_change_the_pin(server, ended):
    fake = dial(server, ended, digits=["1234", "5", "6", "908172", "908172", "", ""])
    assert asked(fake)[2:5] == [menu.OPTIONS, prompts.VM_ENTER_NEW_PIN,
                                prompts.VM_ENTER_NEW_PIN]
    assert prompts.VM_PIN_CHANGED in played(fake)
    assert pin_is("101", "908172") and not pin_is("101", "1234")
    dial(server, ended, digits=["908172", ""])  # the new PIN opens the mailbox


@pytest.mark.parametrize(("entered", "said"), [
    (["5678", "5679"], [prompts.VM_PIN_NOT_VALID]),
    (["12"], [prompts.VM_PIN_TOO_SHORT, prompts.VM_MINIMUM_PIN_LENGTH_IS]),
    (["12345678901"], [prompts.VM_PIN_NOT_VALID]),
    (["12*4"], [prompts.VM_PIN_NOT_VALID]),
])
def test_a_bad_new_pin_is_refused_with_a_prompt(server, ended, entered, said):
    fake = dial(server, ended, digits=["1234", "5", "6", *entered, "", ""])
    refused_at = played(fake).index(said[0])
    assert played(fake)[refused_at:refused_at + len(said)] == said
    if said[0] == prompts.VM_PIN_TOO_SHORT:
        assert ("say", "en number pronounced 4") in fake.executed
    assert asked(fake).count(prompts.VM_ENTER_NEW_PIN) == len(entered)
    assert prompts.VM_PIN_CHANGED not in played(fake)
    assert pin_is("101", "1234")


def test_nothing_entered_for_a_new_pin_changes_nothing(server, ended):
    fake = dial(server, ended, digits=["1234", "5", "6", "", "", ""])
    assert asked(fake)[-2:] == [menu.OPTIONS, menu.MAIN_MENU]
    assert pin_is("101", "1234")


# Hanging up at every step.

SCENARIOS = {
    "listen": ["1234", "1", "1", "2", "7", "6", ""],
    "greeting": ["1234", "5", "1", "2", "1", "3", "2", "2", "3", "1", "0", ""],
    "pin": ["1234", "5", "6", "4455", "4455", "0", ""],
    "main": ["101", "1234", "2", "5", ""],
}


def prepare(config, scenario):
    for message in list(VoicemailMessage.select()):
        voicemail.delete_message(config.media_folder, voicemail.mailbox(DOMAIN, "101"),
                                 message.uid)
    for kind in ("busy", "unavailable"):
        settings.erase_greeting(config.media_folder, ext("101").id, kind)
    Extension.update(voicemail_pin_hash=hash_pin("1234")).execute()
    leave(config, caller="105")
    leave(config, caller="13800000000", minutes=1)
    leave(config, caller="102", read=True, minutes=-5)
    if scenario == "greeting":  # one to replace
        relative = settings.new_greeting_path(config.media_folder, ext("101").id, "busy")
        (config.media_folder / relative).write_bytes(wav(2))
        settings.store_greeting(config.media_folder, ext("101").id, "busy", relative)


def run_scenario(server, ended, scenario, **options):
    mode = "main" if scenario == "main" else "own"
    return dial(server, ended, mode=mode, digits=SCENARIOS[scenario],
                recordings=[wav(2), wav(0.3), wav(3)], **options)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
@pytest.mark.sqlite_only  # a hang-up at each of ~200 steps: what it tests is not the database's
def test_a_hang_up_at_any_step_leaves_no_half_done_change(server, ended, config, caplog,
                                                          scenario):
    prepare(config, scenario)
    steps = len(run_scenario(server, ended, scenario).executed)
    assert steps > 15
    for at in range(steps):
        prepare(config, scenario)
        caplog.clear()
        fake = run_scenario(server, ended, scenario, hang_up_at=at)
        assert len(fake.executed) == at + 1, at
        assert consistent(config), (scenario, at, fake.executed[-1])
        assert pin_is("101", "1234") or pin_is("101", "4455")
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR], at


def test_hanging_up_while_recording_a_greeting_removes_the_take(server, ended, config):
    digits = ["1234", "5", "1", "1"]
    whole = dial(server, ended, digits=digits, recordings=[wav(2)])
    recording = apps(whole).index("record")
    fake = dial(server, ended, digits=digits, recordings=[wav(2)], hang_up_at=recording)
    assert fake.executed[-1][0] == "record"
    (take,) = fake.written  # the switch wrote what was said before the caller hung up
    assert not take.exists()
    assert greeting_row("unavailable") is None and consistent(config)


def test_a_message_whose_file_is_gone_is_said_to_be_an_error_and_stays_new(
        server, ended, config, lamps, caplog):
    message = leave(config)
    (config.media_folder / message.path).unlink()
    fake = dial(server, ended, digits=["1234", "1", "6", ""])
    at = played(fake).index(at_switch(config, message.path))
    assert played(fake)[at + 1] == prompts.ERROR
    assert asked(fake)[-2:] == [message_prompt(True), menu.MAIN_MENU]  # the call goes on
    assert VoicemailMessage.get_by_id(message.id).read is False and lamps.changed == []
    assert message.uid in caplog.text
