"""What a mailbox's owner sets: the greetings callers hear on busy and on unavailable, and
the PIN of the mailbox menu.

A greeting is a WAV under the media folder (the switch records it, ``path`` is relative to
that folder) and a VoicemailGreeting row: the two are stored and erased together. A PIN is
kept only as its hash (passwords.hash_pin); hashing and checking it is pbkdf2, so it runs in
gevent's threadpool (switchctl.pool.run_hashing) while the database work stays on the loop.
"""

import logging
import os
import secrets
import uuid
import wave
from pathlib import Path

from switchctl.models import Extension, VoicemailGreeting, database
from switchctl.models.base import now
from switchctl.models.voicemail import GREETING_KINDS
from switchctl.passwords import check_hash, hash_pin
from switchctl.pool import run_hashing
from switchctl.services import Refusal
from switchctl.services.voicemail import FOLDER_MODE

log = logging.getLogger(__name__)

GREETINGS_FOLDER = "greetings"
PIN_MIN_LENGTH = 4
PIN_MAX_LENGTH = 10
MIN_GREETING_SECONDS = 1.0
WAV_HEADER_BYTES = 44
# Why a new PIN was refused (PinRefused.reason).
PIN_TOO_SHORT = "too_short"
PIN_TOO_LONG = "too_long"
PIN_NOT_DIGITS = "not_digits"
PIN_MISMATCH = "mismatch"
# Why a recorded greeting was not stored (GreetingRefused.reason).
NO_RECORDING = "no_recording"
TOO_SHORT = "too_short"


class PinRefused(Refusal):
    """A new PIN that cannot be taken (reason: a PIN_* constant)."""


class GreetingRefused(Refusal):
    """A recording that cannot become a greeting (reason: NO_RECORDING, TOO_SHORT)."""


# Greetings.

def _check_kind(kind):
    if kind not in GREETING_KINDS:
        raise ValueError(f"unknown greeting kind {kind!r}")


def greeting(mailbox_id, kind):
    """The path (relative to the media folder) of the mailbox's own ``kind`` greeting
    ("busy" or "unavailable"), or None when it has recorded none."""
    _check_kind(kind)
    return (VoicemailGreeting.select(VoicemailGreeting.path)
            .where(VoicemailGreeting.mailbox == mailbox_id, VoicemailGreeting.kind == kind)
            .scalar())


def greetings(mailbox_id):
    """``{kind: relative path}`` of the greetings the mailbox has recorded."""
    query = (VoicemailGreeting.select(VoicemailGreeting.kind, VoicemailGreeting.path)
             .where(VoicemailGreeting.mailbox == mailbox_id))
    return dict(query.tuples())


def new_greeting_path(media_folder, mailbox_id, kind):
    """A fresh relative path for the switch to record a ``kind`` greeting at. Its folder is
    made here (the switch's ``record`` makes none) as the messages' are: FOLDER_MODE, so
    that the switch's user, in the media folder's group, may write into it."""
    _check_kind(kind)
    for folder in (Path(media_folder), Path(media_folder) / GREETINGS_FOLDER):
        try:
            folder.mkdir(parents=True)
        except FileExistsError:
            continue
        os.chmod(folder, FOLDER_MODE)  # mkdir's mode is cut by the umask
    return f"{GREETINGS_FOLDER}/{int(mailbox_id)}-{kind}-{uuid.uuid4().hex}.wav"


def recording_seconds(path):
    """The length of the WAV at ``path`` in seconds; None when it cannot be read as one."""
    try:
        with wave.open(str(path), "rb") as recording:
            return recording.getnframes() / float(recording.getframerate() or 1)
    except (OSError, EOFError, wave.Error):
        return None


def _check_recording(media_folder, relative):
    path = Path(media_folder) / relative
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    if size <= WAV_HEADER_BYTES:
        raise GreetingRefused(NO_RECORDING, f"no recording at {relative}")
    seconds = recording_seconds(path)
    if seconds is None:
        # Written by the switch, maybe as a user whose files switchctl may not read:
        # it plays all the same, so it is kept.
        log.warning("greeting %s cannot be read by switchctl; kept unchecked", relative)
    elif seconds < MIN_GREETING_SECONDS:
        raise GreetingRefused(TOO_SHORT, f"the greeting is {seconds:.1f} s long")


def store_greeting(media_folder, mailbox_id, kind, relative):
    """Make the WAV the switch recorded at ``relative`` the mailbox's ``kind`` greeting.

    Refused (GreetingRefused, nothing changed) when there is no recording or it is shorter
    than MIN_GREETING_SECONDS. The greeting it replaces loses its row and then its file."""
    _check_kind(kind)
    _check_recording(media_folder, relative)
    with database.atomic():
        previous = greeting(mailbox_id, kind)
        (VoicemailGreeting.insert(mailbox=mailbox_id, kind=kind, path=relative, recorded=now())
         .on_conflict(conflict_target=[VoicemailGreeting.mailbox, VoicemailGreeting.kind],
                      update={VoicemailGreeting.path: relative,
                              VoicemailGreeting.recorded: now()})
         .execute())
    if previous and previous != relative:
        _remove_quietly(media_folder, previous)


def erase_greeting(media_folder, mailbox_id, kind):
    """Erase the mailbox's ``kind`` greeting, file and row; False when there was none.
    A file that cannot be removed (other than already gone) keeps the row (OSError)."""
    _check_kind(kind)
    with database.atomic():
        row = VoicemailGreeting.get_or_none(VoicemailGreeting.mailbox == mailbox_id,
                                            VoicemailGreeting.kind == kind)
        if row is None:
            return False
        row.delete_instance()
        (Path(media_folder) / row.path).unlink(missing_ok=True)  # raising rolls the row back
    return True


def discard_recording(media_folder, relative):
    """Remove a recording that was not stored (the caller hung up, or it was refused)."""
    _remove_quietly(media_folder, relative)


def _remove_quietly(media_folder, relative):
    try:
        (Path(media_folder) / relative).unlink(missing_ok=True)
    except OSError as error:
        log.warning("could not remove %s: %s", relative, error.strerror or error)


# PINs.

def pin_problem(pin):
    """None for a PIN the mailbox may take, else why not (a PIN_* reason)."""
    if not pin.isascii() or not pin.isdigit():
        return PIN_NOT_DIGITS
    if len(pin) < PIN_MIN_LENGTH:
        return PIN_TOO_SHORT
    if len(pin) > PIN_MAX_LENGTH:
        return PIN_TOO_LONG
    return None


_MESSAGES = {
    PIN_NOT_DIGITS: "a PIN is digits only",
    PIN_TOO_SHORT: f"a PIN has at least {PIN_MIN_LENGTH} digits",
    PIN_TOO_LONG: f"a PIN has at most {PIN_MAX_LENGTH} digits",
    PIN_MISMATCH: "the two PINs differ",
}
_decoy = []  # a hash to check a PIN against when there is no mailbox (same time taken)


def _decoy_hash():
    if not _decoy:
        _decoy.append(run_hashing(hash_pin, secrets.token_hex(8)))
    return _decoy[0]


def check_pin(mailbox_id, candidate):
    """Whether ``candidate`` is the PIN of mailbox ``mailbox_id``. No such mailbox (None,
    or gone) and a blank candidate are False after the same pbkdf2 work; so is a stored
    hash that cannot be checked (not one of ours: logged, the PIN must be set anew)."""
    stored = None
    if mailbox_id is not None:
        stored = (Extension.select(Extension.voicemail_pin_hash)
                  .where(Extension.id == mailbox_id).scalar())
    try:
        matched = run_hashing(check_hash, stored or _decoy_hash(), candidate or "")
    except ValueError as exc:  # werkzeug: an unknown method or a bad parameter
        log.error("mailbox %s: its stored PIN hash cannot be checked (%s); no PIN opens it "
                  "until a new one is set", _named(mailbox_id), exc)
        return False
    return bool(stored) and bool(candidate) and matched


def _named(mailbox_id):
    number = Extension.select(Extension.number).where(Extension.id == mailbox_id).scalar()
    return f"{number} (id {mailbox_id})"


def refusal(first, second):
    """The PinRefused for a PIN entered as ``first`` then ``second``, or None."""
    reason = pin_problem(first) or (PIN_MISMATCH if first != second else None)
    return None if reason is None else PinRefused(reason, _MESSAGES[reason])


def change_pin(mailbox_id, first, second):
    """Set the mailbox's PIN to ``first``, entered again as ``second`` (PinRefused,
    nothing changed: not digits, length out of PIN_MIN_LENGTH..PIN_MAX_LENGTH, or the
    two differ)."""
    refused = refusal(first, second)
    if refused is not None:
        raise refused
    hashed = run_hashing(hash_pin, first)
    changed = (Extension.update(voicemail_pin_hash=hashed)
               .where(Extension.id == mailbox_id).execute())
    if not changed:
        raise ValueError(f"no mailbox {mailbox_id}")
