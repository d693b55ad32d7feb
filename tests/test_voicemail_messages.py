"""The message store (services.voicemail): naming a message before it is recorded, keeping
or discarding what the switch wrote, listing, marking, deleting and opening messages."""

import json
import os
import stat
import subprocess
import sys
import textwrap
import uuid

import pytest

from switchctl.models import Extension, VoicemailEmail, VoicemailMessage
from switchctl.services import voicemail
from switchctl.services.contacts import add_contact
from switchctl.services.domains import set_setting
from tests.builders.audio import silence, wav, with_quiet_start

pytestmark = [pytest.mark.usefixtures("office"), pytest.mark.both_databases]


@pytest.fixture
def media(tmp_path):
    return tmp_path / "media"


def box(number="102"):
    return voicemail.mailbox("pbx.local", number)


def recorded(media, audio, number="102"):
    """A message file named for ``number``'s mailbox, with what the switch wrote."""
    message_file = voicemail.new_message_file(media, box(number))
    if audio is not None:
        (media / message_file.relative).write_bytes(audio)
    return message_file


def store(media, message_file, number="102", caller="101", **options):
    return voicemail.store_message(media, box(number), message_file, caller, **options)


def test_a_new_message_file_has_a_fresh_id_and_a_folder_the_switch_may_write(media):
    first, second = (voicemail.new_message_file(media, box()) for _ in range(2))
    assert uuid.UUID(first.uid).version == 4 and first.uid != second.uid
    assert first.relative == f"voicemail/pbx.local/102/{first.uid}.wav"
    for folder in (media, media / "voicemail", media / "voicemail/pbx.local",
                   media / "voicemail/pbx.local/102"):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o2770, folder
    assert not (media / first.relative).exists()  # the switch writes it


def test_a_recording_is_kept_with_its_length_and_caller(media):
    message_file = recorded(media, wav(4.5))
    stored = store(media, message_file, caller="13912345678")
    assert stored.kept and stored.problem == ""
    row = VoicemailMessage.get(VoicemailMessage.uid == message_file.uid)
    assert (row.caller_number, row.caller_name, row.duration, row.read, row.path) == (
        "13912345678", "", 4, False, message_file.relative)
    assert row.mailbox_id == Extension.get(Extension.number == "102").id
    assert (media / message_file.relative).read_bytes() == wav(4.5)
    assert voicemail.counts("pbx.local", "102") == voicemail.MessageCounts(new=1, saved=0)


def test_the_caller_is_named_as_the_owner_may_know_them(media, domain):
    add_contact(domain, "Bob's dentist", "13912345678", owner=Extension.get(number="102"))
    add_contact(domain, "Alice's plumber", "13800000000", owner=Extension.get(number="101"))
    named = store(media, recorded(media, wav(4)), caller="13912345678")
    hidden = store(media, recorded(media, wav(4)), caller="13800000000")
    colleague = store(media, recorded(media, wav(4)), caller="101", from_our_users=True)
    claimed = store(media, recorded(media, wav(4)), caller="101", from_our_users=False)
    assert [s.message.caller_name for s in (named, hidden, colleague, claimed)] == [
        "Bob's dentist", "", "Alice", ""]


def test_the_switchs_record_ms_decides_the_length_when_given(media):
    too_short = recorded(media, wav(5))
    assert store(media, too_short, recorded_ms=2999).reason == voicemail.TOO_SHORT
    assert not (media / too_short.relative).exists()
    kept = store(media, recorded(media, wav(5)), recorded_ms=7400)
    assert kept.kept and kept.message.duration == 7


@pytest.mark.parametrize(("audio", "options", "reason"), [
    (None, {}, voicemail.MISSING),
    (b"RIFF....WAVEfmt nonsense", {}, voicemail.NOT_WAV),
    (b"", {}, voicemail.NOT_WAV),
    (wav(2.9), {}, voicemail.TOO_SHORT),
    (silence(10), {}, voicemail.SILENT),
    (wav(3.4, amplitude=150), {}, voicemail.SILENT),  # below the silence threshold
    (wav(3.2), {"silence_ended": True}, voicemail.SILENT),  # only the silence that ended it
])
def test_what_is_no_message_leaves_no_row_and_no_file(media, audio, options, reason):
    message_file = recorded(media, audio)
    stored = store(media, message_file, **options)
    assert (stored.reason, stored.kept, stored.message) == (reason, False, None)
    assert not (media / message_file.relative).exists()
    assert not VoicemailMessage.select().exists()


def test_a_missing_recording_prints_no_traceback(media, capfd):
    """The file is read in the threadpool, whose hub would print what the worker raised,
    expected or not, to stderr past our logging."""
    capfd.readouterr()
    assert store(media, recorded(media, None)).reason == voicemail.MISSING
    assert capfd.readouterr().err == ""


def test_what_would_keep_the_switch_from_writing_a_message_is_seen(media):
    """The switch writes as a member of the media folder's group: each folder on the way
    must let that group in, the message's own let it write."""
    message_file = recorded(media, None)
    folder = (media / message_file.relative).parent
    assert voicemail.folder_problem(media, message_file) == ""
    folder.chmod(0o2750)
    assert voicemail.folder_problem(media, message_file) == (
        f"{folder} is mode 2750: its group may not write into it")
    (media / "voicemail").chmod(0o2700)
    assert voicemail.folder_problem(media, message_file) == (
        f"{media / 'voicemail'} is mode 2700: its group may not enter it")
    (media / "voicemail").chmod(0o2770)
    folder.chmod(0o2770)
    if os.geteuid() == 0:  # only root gives a folder another group than its own
        os.chown(folder, -1, media.stat().st_gid + 1)
        assert voicemail.folder_problem(media, message_file).startswith(
            f"{folder} belongs to group ")
    folder.rmdir()
    assert voicemail.folder_problem(media, message_file) == (
        f"{folder} cannot be checked (No such file or directory)")


def test_speech_after_a_quiet_start_is_a_message(media):
    assert store(media, recorded(media, with_quiet_start(6, 1)), silence_ended=True).kept
    assert store(media, recorded(media, wav(4, rate=16000))).kept


def test_an_owner_with_an_email_address_gets_the_email_queued(media):
    Extension.update(email="bob@example.com").where(Extension.number == "102").execute()
    stored = store(media, recorded(media, wav(4)))
    (email,) = VoicemailEmail.select()
    assert (email.message_id, email.recipient, email.status) == (
        stored.message.id, "bob@example.com", "pending")
    store(media, recorded(media, wav(4), number="105"), number="105")
    assert VoicemailEmail.select().count() == 1  # 105 has no address


def test_a_hostile_caller_id_is_stored_printable_and_cut(media):
    stored = store(media, recorded(media, wav(4)), caller="1\n2\x1b" + "3" * 100)
    assert stored.message.caller_number == "12" + "3" * 62


def put(media, number="102", seconds=4, caller="101"):
    return store(media, recorded(media, wav(seconds), number), number=number,
                 caller=caller).message


def test_listing_pages_newest_first_and_the_listening_order(media):
    made = [put(media, caller=str(n)) for n in range(25)]
    for n, message in enumerate(made):  # received a minute apart, oldest first
        VoicemailMessage.update(received=message.received.replace(minute=n % 60, hour=n // 60))\
            .where(VoicemailMessage.id == message.id).execute()
    first = voicemail.messages(box(), page=1)
    second = voicemail.messages(box(), page=2)
    assert [m.caller_number for m in first.messages] == [str(n) for n in range(24, 4, -1)]
    assert first.more and not second.more
    assert [m.caller_number for m in second.messages] == ["4", "3", "2", "1", "0"]
    assert voicemail.mark_read(box(), made[3].uid) and voicemail.mark_read(box(), made[1].uid)
    order = [m.caller_number for m in voicemail.listening_order(box())]
    assert order == [str(n) for n in range(25) if n not in (1, 3)] + ["1", "3"]
    assert voicemail.messages(voicemail.mailbox("pbx.local", "105")).messages == []


def test_marking_says_whether_it_changed_anything(media):
    message = put(media)
    assert voicemail.mark_read(box(), message.uid) is True
    assert voicemail.mark_read(box(), message.uid) is False
    assert voicemail.counts("pbx.local", "102") == voicemail.MessageCounts(new=0, saved=1)
    assert voicemail.mark_read(box(), message.uid, read=False) is True
    assert voicemail.mark_read(box("105"), message.uid) is False  # not 105's message
    assert voicemail.mark_read(box(), str(uuid.uuid4())) is False
    assert voicemail.counts("pbx.local", "102") == voicemail.MessageCounts(new=1, saved=0)


def test_delete_takes_the_row_and_the_file_together(media):
    message = put(media)
    Extension.update(email="bob@example.com").where(Extension.number == "102").execute()
    emailed = put(media)
    path = media / message.path
    assert voicemail.delete_message(media, box("105"), message.uid) is False
    assert path.exists()
    assert voicemail.delete_message(media, box(), message.uid) is True
    assert not path.exists() and voicemail.find_message(box(), message.uid) is None
    assert voicemail.delete_message(media, box(), message.uid) is False
    (media / emailed.path).unlink()  # a missing file is no error
    assert voicemail.delete_message(media, box(), emailed.uid) is True
    assert not VoicemailMessage.select().exists() and not VoicemailEmail.select().exists()


def test_a_file_that_cannot_be_removed_keeps_its_message(media):
    message = put(media)
    path = media / message.path
    path.unlink()
    path.mkdir()  # unlink of a folder fails, as a file switchctl may not remove would
    with pytest.raises(OSError):
        voicemail.delete_message(media, box(), message.uid)
    assert voicemail.find_message(box(), message.uid) is not None


def test_a_message_opens_as_a_stream(media):
    message = put(media, seconds=5)
    with voicemail.open_audio(media, message) as stream:
        assert stream.read() == wav(5)
    (media / message.path).unlink()
    with pytest.raises(voicemail.AudioUnavailable, match="is gone"):
        voicemail.open_audio(media, message)


# A well-formed id no message has, upper-cased (fixed: xdist's workers must collect alike).
@pytest.mark.parametrize("uid", ["", "x", "../../etc/passwd",
                                 "F3D7FE90-0F06-4B96-BB0D-892560BF96EC", None])
def test_an_id_of_the_wrong_shape_finds_nothing(media, uid):
    put(media)
    assert voicemail.find_message(box(), uid) is None


def test_domain_settings_with_their_defaults(domain):
    assert (voicemail.operator(domain), voicemail.max_seconds(domain)) == ("", 120)
    set_setting(domain, voicemail.OPERATOR_SETTING, "105")
    set_setting(domain, voicemail.MAX_SECONDS_SETTING, "300")
    assert (voicemail.operator(domain), voicemail.max_seconds(domain)) == ("105", 300)
    for bad in ("0", "99999", "٣٠", "ten", ""):
        set_setting(domain, voicemail.MAX_SECONDS_SETTING, bad)
        assert voicemail.max_seconds(domain) == 120
    set_setting(domain, voicemail.OPERATOR_SETTING, "${system(x)}")
    assert voicemail.operator(domain) == ""


def test_mailbox_lookup():
    found = box("102")
    assert (found.domain_name, found.number, found.name, found.enabled) == (
        "pbx.local", "102", "Bob", True)
    assert voicemail.mailbox("pbx.local", "999") is None
    assert voicemail.mailbox("other.example", "102") is None
    Extension.update(voicemail_enabled=False).where(Extension.number == "102").execute()
    assert box("102").enabled is False
    assert voicemail.mailbox_of(Extension.get(number="101")) == box("101")


UNREADABLE = textwrap.dedent("""
    import ctypes, json, logging, os, sys
    from pathlib import Path

    if os.geteuid() == 0:  # root reads every file: give up the capabilities that let it
        header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3
        data = (ctypes.c_uint32 * 6)()
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.capget(header, data) == 0
        dac = (1 << 1) | (1 << 2)  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        data[0] &= ~dac  # effective
        data[1] &= ~dac  # permitted
        assert libc.capset(header, data) == 0, ctypes.get_errno()

    from switchctl import schema
    from switchctl.db import open_database
    from switchctl.services import voicemail
    from switchctl.services.domains import ensure_domain
    from switchctl.services.extensions import add_extension

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    folder = Path(sys.argv[1])
    db = open_database("sqlite:///" + str(folder / "db.sqlite3"))
    with db.connection_context():
        schema.upgrade(db)
        add_extension(ensure_domain("pbx.local"), "102", "Bob", "Passw0rd102")
        box = voicemail.mailbox("pbx.local", "102")
        media = folder / "media"
        message_file = voicemail.new_message_file(media, box)
        path = media / message_file.relative
        path.write_bytes(bytes.fromhex(sys.argv[2]))
        path.chmod(0o200)  # written by the switch, not readable by switchctl's user
        stored = voicemail.store_message(media, box, message_file, "101",
                                         recorded_ms=int(sys.argv[3]))
        print(json.dumps({"reason": stored.reason, "problem": stored.problem,
                          "duration": stored.message and stored.message.duration,
                          "file": path.exists()}))
""")


def run_unreadable(tmp_path, recorded_ms):
    """store_message, in a process of its own, on a file that process may not read (its
    own SQLite database: the test's may be PostgreSQL). Run as root, it first gives up
    the capabilities that let root read any file."""
    folder = tmp_path / f"unreadable-{recorded_ms}"
    folder.mkdir()
    result = subprocess.run([sys.executable, "-c", UNREADABLE, str(folder), wav(4).hex(),
                             str(recorded_ms)], capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout), result.stderr


def test_a_message_switchctl_cannot_read_is_kept_and_reported(tmp_path):
    outcome, log = run_unreadable(tmp_path, recorded_ms=6200)
    assert (outcome["reason"], outcome["duration"], outcome["file"]) == ("stored", 6, True)
    assert "cannot read" in outcome["problem"] and "Permission denied" in outcome["problem"]
    (line,) = [line for line in log.splitlines() if line.startswith("ERROR")]
    assert "kept, but switchctl cannot read" in line
    short, _ = run_unreadable(tmp_path, recorded_ms=1500)  # the switch said: too short
    assert (short["reason"], short["duration"], short["file"]) == ("too_short", None, False)
