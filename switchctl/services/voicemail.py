"""Voicemail: mailboxes and the messages in them.

A message is a WAV under the media folder, ``voicemail/<domain>/<number>/<uid>.wav``, and
a VoicemailMessage row; the switch writes the file (at the same relative path under the
media folder as it sees it), switchctl reads, lists and removes it. ``new_message_file``
names a message before it is recorded, ``store_message`` keeps or discards the recording,
the rest serves the mailbox menu, the portal and the CLI.

Nothing here talks to the switch: every change of a mailbox (a message stored, read,
marked new, deleted) is returned, and the edge that made it lights the lamp
(``FlowContext.mailbox_changed``).
"""

import array
import dataclasses
import grp
import logging
import os
import re
import stat
import sys
import uuid
import wave
from pathlib import Path

from switchctl.models import (Contact, Domain, Extension, VoicemailEmail, VoicemailMessage,
                              database)
from switchctl.pool import run_in_pool
from switchctl.services import ValidationError
from switchctl.services.contacts import caller_known_as, visible_to
from switchctl.services.domains import get_setting
from switchctl.services.numbers import digits_key
from switchctl.services.voicemail_email import queue_email

log = logging.getLogger(__name__)

FOLDER = "voicemail"
# Folders switchctl makes for messages: owner and group may write (FreeSWITCH's user
# records into them as a member of the media folder's group), and setgid keeps that
# group on everything made inside. Nothing for others.
FOLDER_MODE = 0o2770
MIN_SECONDS = 3  # shorter recordings are discarded (FreeSWITCH's voicemail: 3 s too)
SILENCE_THRESHOLD = 200  # record's silence threshold (as FreeSWITCH's voicemail)
SILENCE_SECONDS = 3  # the silence that ends a recording
PAGE_SIZE = 20
UID_PATTERN = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
# Domain settings (services.domains): the extension a caller reaches by pressing 0 in the
# greeting ("": none), and the longest message in seconds.
OPERATOR_SETTING = "voicemail_operator"
MAX_SECONDS_SETTING = "voicemail_max_seconds"
DEFAULT_MAX_SECONDS = 120
MAX_SECONDS_LIMIT = 3600
NUMBER = re.compile(r"^[0-9]{2,8}\Z")
# Why a recording became no message (Stored.reason), or STORED.
STORED = "stored"
MISSING = "missing"
NOT_WAV = "not_wav"
TOO_SHORT = "too_short"
SILENT = "silent"
FRAME_MS = 20  # the piece of audio judged loud or quiet at a time


@dataclasses.dataclass(frozen=True)
class MessageCounts:
    new: int
    saved: int


@dataclasses.dataclass(frozen=True)
class Mailbox:
    """An extension's mailbox, as the flows, the portal and the CLI address it."""

    id: int
    domain_id: int
    domain_name: str
    number: str
    name: str
    email: str
    enabled: bool  # the extension is enabled and its voicemail is on


@dataclasses.dataclass(frozen=True)
class MessageFile:
    """Where a new message is to be recorded: its id and its path relative to the media
    folder (the switch writes it under its own view of that folder)."""

    uid: str
    relative: str


@dataclasses.dataclass(frozen=True)
class Stored:
    """What came of a recording: the message kept (``reason`` STORED), or why there is
    none. ``problem`` names a fault an operator must fix (the file cannot be read by
    switchctl: the message is kept all the same, never silently dropped)."""

    reason: str
    message: VoicemailMessage = None
    problem: str = ""

    @property
    def kept(self):
        return self.reason == STORED


@dataclasses.dataclass(frozen=True)
class Page:
    messages: list
    more: bool


class AudioUnavailable(ValidationError):
    """A message's WAV that cannot be opened (gone, or not readable by switchctl)."""


def counts(domain_name, number):
    """Unread and read messages of mailbox ``number@domain_name`` (None: no such mailbox)."""
    mailbox = (Extension.select(Extension.id).join(Domain)
               .where(Domain.name == domain_name, Extension.number == number).first())
    if mailbox is None:
        return None
    rows = (VoicemailMessage.select(VoicemailMessage.read)
            .where(VoicemailMessage.mailbox == mailbox.id).tuples())
    read = [flag for (flag,) in rows]
    return MessageCounts(new=read.count(False), saved=read.count(True))


def mailbox(domain_name, number):
    """The mailbox of extension ``number`` of ``domain_name``, or None."""
    row = (Extension.select(Extension, Domain.name.alias("domain_name"))
           .join(Domain).where(Domain.name == domain_name, Extension.number == number)
           .objects().first())
    return None if row is None else _mailbox(row, row.domain_name)


def mailbox_of(extension):
    """The mailbox of an Extension model."""
    return _mailbox(extension, Domain.get_by_id(extension.domain_id).name)


def _mailbox(extension, domain_name):
    return Mailbox(id=extension.id, domain_id=extension.domain_id, domain_name=domain_name,
                   number=extension.number, name=extension.name, email=extension.email,
                   enabled=extension.enabled and extension.voicemail_enabled)


def operator(domain):
    """The extension number a caller reaches with 0 in a greeting, or "" (none set, or a
    setting that is not an extension number)."""
    value = get_setting(domain, OPERATOR_SETTING).strip()
    return value if NUMBER.match(value) else ""


def max_seconds(domain):
    """The longest message the domain takes, in seconds (a bad setting: the default)."""
    value = get_setting(domain, MAX_SECONDS_SETTING).strip()
    if value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_SECONDS_LIMIT:
        return int(value)
    return DEFAULT_MAX_SECONDS


def new_message_file(media_folder, box):
    """A fresh id and path for a message to ``box``; its folder is made (FOLDER_MODE)."""
    uid = str(uuid.uuid4())
    folder = Path(FOLDER, box.domain_name, box.number)
    make_folders(Path(media_folder), folder)
    return MessageFile(uid=uid, relative=(folder / f"{uid}.wav").as_posix())


# What the log tells ops to check when the switch could not write a recording.
WHAT_TO_CHECK = ("check that FreeSWITCH's user may write into the media folder's "
                 "sub-folders (their group FreeSWITCH's, mode 2770) and that "
                 "SWITCHCTL_SWITCH_MEDIA names the media folder as the switch sees it")


def folder_problem(media_folder, message_file):
    """What switchctl sees that would keep FreeSWITCH, writing as a member of the media
    folder's group (FOLDER_MODE), from recording ``message_file``: a folder on the way
    that group may not enter, the message's own folder it may not write into, or one of
    another group. "" when nothing is seen (switchctl cannot see everything: the switch
    may run as another group, or see the folder elsewhere)."""
    root = Path(media_folder)
    folders = [root]
    for part in Path(message_file.relative).parent.parts:
        folders.append(folders[-1] / part)
    try:
        group = root.stat().st_gid
        for folder in folders:
            found = folder.stat()
            mode, writes = stat.S_IMODE(found.st_mode), folder == folders[-1]
            needed = stat.S_IWGRP | stat.S_IXGRP if writes else stat.S_IXGRP
            if mode & needed != needed:
                return (f"{folder} is mode {mode:04o}: its group may not "
                        f"{'write into' if writes else 'enter'} it")
            if found.st_gid != group:
                return (f"{folder} belongs to group {_group_name(found.st_gid)}, not the "
                        f"media folder's {_group_name(group)}")
    except OSError as exc:
        return f"{exc.filename} cannot be checked ({exc.strerror})"
    return ""


def _group_name(gid):
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)


def make_folders(root, relative):
    """Make ``relative``'s folders under the media folder ``root`` (and ``root``), each
    FOLDER_MODE, so that the switch (of the folder's group) may write into them."""
    if not root.is_dir():
        root.mkdir(parents=True)
        os.chmod(root, FOLDER_MODE)
    path = root
    for part in relative.parts:
        path = path / part
        try:
            path.mkdir()
        except FileExistsError:
            continue
        os.chmod(path, FOLDER_MODE)  # mkdir's mode is cut by the umask


@dataclasses.dataclass(frozen=True)
class _Audio:
    milliseconds: int
    voiced: bool


def store_message(media_folder, box, message_file, caller_number, from_our_users=False,
                  recorded_ms=None, silence_ended=False):
    """Keep the recording the switch made at ``message_file`` as a message, or discard it.

    Discarded (file deleted, no row): missing, not a WAV, shorter than MIN_SECONDS (by the
    switch's ``recorded_ms`` when given, else the WAV), or silent (no sound above the
    silence threshold; or ended by silence no longer than that silence). A file switchctl
    may not read is kept as a message all the same, logged at ERROR, with ``problem``
    set. The caller is named as the owner may know them (services.contacts). When the
    owner has an email address, the email goes into the outbox with the message."""
    path = Path(media_folder) / message_file.relative
    try:
        audio = run_in_pool(_inspect, path)
    except FileNotFoundError:
        return Stored(MISSING)
    except PermissionError as exc:
        return _store_unreadable(path, box, message_file, caller_number, from_our_users,
                                 recorded_ms, exc)
    except (wave.Error, EOFError, OSError) as exc:
        log.warning("voicemail: recording %s for %s@%s is not a WAV (%s): discarded",
                    message_file.uid, box.number, box.domain_name, exc)
        return _discard(path, NOT_WAV)
    length = audio.milliseconds if recorded_ms is None else recorded_ms
    reason = _refusal(length, audio.voiced, silence_ended)
    if reason:
        return _discard(path, reason)
    return Stored(STORED, _keep(box, message_file, caller_number, from_our_users, length))


def _refusal(length, voiced, silence_ended):
    if length < MIN_SECONDS * 1000:
        return TOO_SHORT
    if not voiced or (silence_ended and length <= (SILENCE_SECONDS + 0.5) * 1000):
        return SILENT
    return ""


def _store_unreadable(path, box, message_file, caller_number, from_our_users, recorded_ms,
                      error):
    length = recorded_ms or 0
    if recorded_ms is not None and length < MIN_SECONDS * 1000:
        return _discard(path, TOO_SHORT)
    problem = f"switchctl cannot read {path} ({error.strerror}): check the media folder's " \
              "group and permissions"
    log.error("voicemail: message %s for %s@%s kept, but %s", message_file.uid, box.number,
              box.domain_name, problem)
    return Stored(STORED, _keep(box, message_file, caller_number, from_our_users, length),
                  problem)


def _keep(box, message_file, caller_number, from_our_users, length_ms):
    caller_number = _printable(caller_number)[:64]
    name = caller_known_as(f"{box.number}@{box.domain_name}", caller_number, from_our_users)
    with database.atomic():
        message = VoicemailMessage.create(
            domain=box.domain_id, mailbox=box.id, uid=message_file.uid,
            caller_number=caller_number, caller_name=_printable(name)[:80],
            duration=round(length_ms / 1000), path=message_file.relative)
        if box.email:
            queue_email(message)
    return message


def _printable(text):
    return "".join(character for character in (text or "") if character.isprintable())


def _discard(path, reason):
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        log.error("voicemail: could not remove the discarded recording %s (%s)", path, exc)
    return Stored(reason)


def _inspect(path):
    """Length and whether there is any sound, read from the WAV at ``path`` (run in the
    threadpool: a long silent file is scanned whole)."""
    with wave.open(str(path), "rb") as audio:
        rate, width = audio.getframerate(), audio.getsampwidth()
        if rate <= 0:
            raise wave.Error("no sample rate")
        milliseconds = audio.getnframes() * 1000 // rate
        voiced = width != 2 or _voiced(audio, rate)
    return _Audio(milliseconds, voiced)


def _voiced(audio, rate):
    """Whether any FRAME_MS of 16-bit audio scores at least SILENCE_THRESHOLD as the
    switch's silence detection scores it (mean absolute sample, times rate / 8000)."""
    per_frame = max(rate * FRAME_MS // 1000, 1)
    scale = max(rate // 8000, 1)
    while True:
        data = audio.readframes(per_frame)
        if not data:
            return False
        samples = array.array("h", data[:len(data) // 2 * 2])
        if sys.byteorder == "big":
            samples.byteswap()  # WAV is little-endian
        if samples and sum(map(abs, samples)) * scale >= SILENCE_THRESHOLD * len(samples):
            return True


def messages(box, page=1, per_page=PAGE_SIZE):
    """A page of the mailbox's messages, newest first (``more``: another page follows)."""
    page = max(int(page), 1)
    rows = list(VoicemailMessage.select().where(VoicemailMessage.mailbox == box.id)
                .order_by(VoicemailMessage.received.desc(), VoicemailMessage.id.desc())
                .offset((page - 1) * per_page).limit(per_page + 1))
    return Page(messages=rows[:per_page], more=len(rows) > per_page)


def listening_order(box):
    """The mailbox's messages as the menu plays them: new first, then saved, each oldest
    first."""
    return list(VoicemailMessage.select().where(VoicemailMessage.mailbox == box.id)
                .order_by(VoicemailMessage.read, VoicemailMessage.received,
                          VoicemailMessage.id))


def find_message(box, uid):
    """The mailbox's message ``uid``, or None (also for an id of the wrong shape)."""
    if not isinstance(uid, str) or not UID_PATTERN.match(uid):
        return None
    return VoicemailMessage.get_or_none(VoicemailMessage.mailbox == box.id,
                                        VoicemailMessage.uid == uid)


def mark_read(box, uid, read=True):
    """Mark message ``uid`` read (saved) or unread (new); True when that changed it (light
    the lamp then), False when it already was so or is not there."""
    changed = (VoicemailMessage.update(read=read)
               .where(VoicemailMessage.mailbox == box.id, VoicemailMessage.uid == uid,
                      VoicemailMessage.read != read)
               .execute())
    return changed == 1


def delete_message(media_folder, box, uid):
    """Delete message ``uid``, row and WAV together: the row goes in a transaction that
    ends only once the file is gone (or was already), so a file that cannot be removed
    keeps the message. True when one was deleted (light the lamp then)."""
    message = find_message(box, uid)
    if message is None:
        return False
    with database.atomic():
        VoicemailEmail.delete().where(VoicemailEmail.message == message.id).execute()
        removed = VoicemailMessage.delete().where(VoicemailMessage.id == message.id).execute()
        (Path(media_folder) / message.path).unlink(missing_ok=True)
    return removed == 1


def open_audio(media_folder, message):
    """The message's WAV, opened for reading (binary); AudioUnavailable when it cannot be."""
    path = Path(media_folder) / message.path
    try:
        return open(path, "rb")
    except FileNotFoundError:
        raise AudioUnavailable(f"the recording of message {message.uid} is gone") from None
    except OSError as exc:
        log.error("voicemail: cannot open %s (%s)", path, exc)
        raise AudioUnavailable(f"the recording of message {message.uid} cannot be read "
                               f"({exc.strerror})") from None


def has_audio(media_folder, message):
    """Whether the message's WAV is still there (a list marks the ones that are gone)."""
    return (Path(media_folder) / message.path).is_file()


def callers_known_as(box, messages):
    """``{message id: name}`` of the callers of ``messages`` (a page of ``box``'s) as its
    owner may know them now: the name of a contact the owner may see (its own before a
    shared one, as services.contacts.caller_name), else the name kept when the message
    was left (a colleague's, or a contact's since gone), else "". One query for the page."""
    keys = {message.id: digits_key(message.caller_number) for message in messages}
    found = {}
    wanted = {key for key in keys.values() if key}
    if wanted:
        rows = (Contact.select(Contact.phone_key, Contact.name)
                .where(Contact.domain == box.domain_id, Contact.phone_key.in_(sorted(wanted)),
                       visible_to(box.id))
                .order_by(Contact.owner.is_null(), Contact.id).tuples())
        for key, name in rows:
            found.setdefault(key, name)
    return {message.id: found.get(keys[message.id]) or message.caller_name
            for message in messages}
