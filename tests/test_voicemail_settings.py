"""A mailbox owner's settings: greetings (file and row together) and the PIN."""

import stat
import wave

import gevent
import gevent.event
import pytest

from switchctl.models import Extension, VoicemailGreeting
from switchctl.services import voicemail_settings as settings
from switchctl.services.voicemail_settings import GreetingRefused, PinRefused

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]


def mailbox(number):
    return Extension.get(Extension.number == number).id


def write_wav(path, seconds, rate=8000):
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(b"\x10\x00" * int(rate * seconds))


def recorded(config, number, kind, seconds=2.0):
    """A greeting as the switch would have recorded it: a path and its WAV."""
    relative = settings.new_greeting_path(config.media_folder, mailbox(number), kind)
    write_wav(config.media_folder / relative, seconds)
    return relative


def test_no_greeting_until_one_is_stored(config):
    assert settings.greeting(mailbox("101"), "busy") is None
    relative = recorded(config, "101", "busy")
    settings.store_greeting(config.media_folder, mailbox("101"), "busy", relative)
    assert settings.greeting(mailbox("101"), "busy") == relative
    assert settings.greeting(mailbox("101"), "unavailable") is None
    assert settings.greeting(mailbox("102"), "busy") is None
    assert relative.startswith("greetings/") and relative.endswith(".wav")


def test_greetings_are_recorded_into_a_folder_the_switch_may_write(config):
    media = config.media_folder
    first = settings.new_greeting_path(media, mailbox("101"), "busy")
    assert first != settings.new_greeting_path(media, mailbox("101"), "busy")
    for folder in (media, media / "greetings"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o2770, folder
    assert not (media / first).exists()  # the switch writes it


def test_a_new_greeting_replaces_the_old_one_and_its_file(config):
    media = config.media_folder
    first = recorded(config, "101", "unavailable")
    settings.store_greeting(media, mailbox("101"), "unavailable", first)
    second = recorded(config, "101", "unavailable")
    settings.store_greeting(media, mailbox("101"), "unavailable", second)
    assert settings.greeting(mailbox("101"), "unavailable") == second
    assert not (media / first).exists() and (media / second).exists()
    assert VoicemailGreeting.select().count() == 1


@pytest.mark.parametrize(("seconds", "reason"), [
    (None, settings.NO_RECORDING), (0, settings.NO_RECORDING), (0.4, settings.TOO_SHORT)])
def test_a_missing_empty_or_too_short_recording_is_refused(config, seconds, reason):
    relative = settings.new_greeting_path(config.media_folder, mailbox("101"), "busy")
    if seconds is not None:
        write_wav(config.media_folder / relative, seconds)
    with pytest.raises(GreetingRefused) as refused:
        settings.store_greeting(config.media_folder, mailbox("101"), "busy", relative)
    assert refused.value.reason == reason
    assert not VoicemailGreeting.select().exists()


def test_erasing_removes_file_and_row(config):
    media = config.media_folder
    relative = recorded(config, "101", "busy")
    settings.store_greeting(media, mailbox("101"), "busy", relative)
    assert settings.erase_greeting(media, mailbox("101"), "busy") is True
    assert settings.greeting(mailbox("101"), "busy") is None
    assert not (media / relative).exists()
    assert settings.erase_greeting(media, mailbox("101"), "busy") is False


def test_a_greeting_whose_file_cannot_be_removed_keeps_its_row(config):
    media = config.media_folder
    relative = recorded(config, "101", "busy")
    settings.store_greeting(media, mailbox("101"), "busy", relative)
    (media / relative).unlink()
    (media / relative).mkdir()  # unlink() of a folder fails as a foreign file would
    with pytest.raises(OSError):
        settings.erase_greeting(media, mailbox("101"), "busy")
    assert settings.greeting(mailbox("101"), "busy") == relative


def test_a_greeting_whose_file_is_already_gone_can_be_erased(config):
    media = config.media_folder
    relative = recorded(config, "101", "busy")
    settings.store_greeting(media, mailbox("101"), "busy", relative)
    (media / relative).unlink()
    assert settings.erase_greeting(media, mailbox("101"), "busy") is True
    assert not VoicemailGreeting.select().exists()


def test_an_unknown_kind_is_a_programming_error(config):
    with pytest.raises(ValueError):
        settings.greeting(mailbox("101"), "vacation")


def test_the_default_pin_opens_the_mailbox_and_nothing_else_does():
    assert settings.check_pin(mailbox("101"), "1234")
    for wrong in ("", "4321", "12345", "1234#"):
        assert not settings.check_pin(mailbox("101"), wrong)
    assert not settings.check_pin(None, "1234")
    assert not settings.check_pin(999999, "1234")


def test_a_changed_pin_replaces_the_old_one_and_is_stored_hashed():
    settings.change_pin(mailbox("101"), "908172", "908172")
    assert settings.check_pin(mailbox("101"), "908172")
    assert not settings.check_pin(mailbox("101"), "1234")
    assert "908172" not in Extension.get_by_id(mailbox("101")).voicemail_pin_hash
    assert settings.check_pin(mailbox("102"), "1234")


@pytest.mark.parametrize(("first", "second", "reason"), [
    ("5678", "5679", settings.PIN_MISMATCH),
    ("567", "567", settings.PIN_TOO_SHORT),
    ("12345678901", "12345678901", settings.PIN_TOO_LONG),
    ("12*4", "12*4", settings.PIN_NOT_DIGITS),
    ("", "", settings.PIN_NOT_DIGITS),
    ("１２３４５", "１２３４５", settings.PIN_NOT_DIGITS),  # digits, but not the keypad's
])
def test_a_bad_new_pin_is_refused_and_changes_nothing(first, second, reason):
    before = Extension.get_by_id(mailbox("101")).voicemail_pin_hash
    with pytest.raises(PinRefused) as refused:
        settings.change_pin(mailbox("101"), first, second)
    assert refused.value.reason == reason
    assert Extension.get_by_id(mailbox("101")).voicemail_pin_hash == before


def test_pin_lengths_at_the_limits_are_taken():
    settings.change_pin(mailbox("101"), "0000", "0000")
    assert settings.check_pin(mailbox("101"), "0000")
    settings.change_pin(mailbox("101"), "0123456789", "0123456789")
    assert settings.check_pin(mailbox("101"), "0123456789")


def test_pin_hashing_leaves_the_loop_free():
    """pbkdf2 runs in the threadpool: other greenlets run while a PIN is checked."""
    turns = []
    stop = gevent.event.Event()

    def other_work():
        while not stop.is_set():
            turns.append(1)
            gevent.sleep(0)

    worker = gevent.spawn(other_work)
    try:
        settings.check_pin(mailbox("101"), "1234")
        settings.change_pin(mailbox("101"), "24680", "24680")
    finally:
        stop.set()
        worker.join(timeout=5)
    assert len(turns) > 10


@pytest.mark.parametrize("stored", ["md5$salt$00ff", "pbkdf2:sha256:many$salt$00ff",
                                    "pbkdf2:nosuchhash:1000$salt$00ff"])
def test_a_stored_pin_hash_that_cannot_be_checked_is_a_wrong_pin(capfd, caplog, stored):
    """Refused and logged, never a traceback: not the flow's, nor the one gevent's hub
    prints to stderr for what a threadpool worker raised."""
    Extension.update(voicemail_pin_hash=stored).where(Extension.number == "101").execute()
    capfd.readouterr()
    assert settings.check_pin(mailbox("101"), "1234") is False
    assert capfd.readouterr().err == ""
    (logged,) = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "101" in logged.getMessage() and "salt" not in logged.getMessage()
