"""Recorded calls (the in-call ``*1`` code): who may find, play and delete each.

A recording is a WAV under the media folder (``path`` relative to it) and a Recording row
naming the extension that recorded it and the call (``call_uuid``: the CallRecord's
``uuid``). An extension finds its own recordings and those of the calls it took part in
(the other end of a recorded call finds it through the call record); only the extension
that recorded it deletes it. Every read here filters by the extension in the query, so an
id of someone else's recording finds nothing.

Making one: ``start_recording`` gives the row and its file's place (folders made) before
the switch writes it; when the switch says the recording ended (RECORD_STOP),
``recording_ended`` stores its length, or drops the row when the switch wrote nothing.
"""

import dataclasses
import datetime
import logging
import re
import wave
from pathlib import Path

from peewee import SQL, fn

from switchctl.models import CallRecord, Domain, Extension, Recording, database
from switchctl.pool import run_in_pool
from switchctl.services.voicemail import make_folders

log = logging.getLogger(__name__)
PAGE_SIZE = 50
FOLDER = "recordings"  # under the media folder: recordings/<domain>/<yyyy-mm-dd>/<file>.wav
TOKEN = re.compile(r"^[A-Za-z0-9-]{1,64}\Z")  # a FreeSWITCH uuid, as it may name a file


@dataclasses.dataclass
class Page:
    recordings: list
    more: bool


class RecordingUnavailable(LookupError):
    """A recording's file that cannot be served (gone, unreadable, or outside the media
    folder)."""


class NotYours(PermissionError):
    """A recording the extension may play but not delete (the other end's)."""


def extension_of(domain_name, extension_id):
    """Extension ``extension_id`` if it is of domain ``domain_name`` (a portal login's own),
    else None; one query."""
    return (Extension.select(Extension).join(Domain)
            .where(Extension.id == extension_id, Domain.name == domain_name).first())


def visible_to(extension):
    """The condition selecting the recordings ``extension`` may find: its own, and those of
    the calls it made or took. The second half looks each of the domain's recordings up by
    its call's unique uuid: a domain has far fewer recordings than an extension has calls
    (an IN over the extension's calls read them all, an OR of its two sides the domain's)."""
    return (Recording.domain == extension.domain_id) & _own_or_took_part(extension)


def _own_or_took_part(extension):
    call = CallRecord.alias()
    took_part = fn.EXISTS(call.select(SQL("1")).where(
        call.uuid == Recording.call_uuid,
        (call.caller_extension == extension.id) | (call.callee_extension == extension.id)))
    return (Recording.extension == extension.id) | took_part


def recordings(extension, page=1, per_page=PAGE_SIZE):
    """A page of the recordings ``extension`` may find, newest first (``more``: another
    page follows)."""
    page = max(int(page), 1)
    rows = list(Recording.select().where(visible_to(extension))
                .order_by(Recording.started.desc(), Recording.id.desc())
                .offset((page - 1) * per_page).limit(per_page + 1))
    return Page(recordings=rows[:per_page], more=len(rows) > per_page)


def find_recording(extension, recording_id):
    """Recording ``recording_id`` if ``extension`` may find it, else None (also for an id
    that is not a whole number)."""
    if not isinstance(recording_id, int) or isinstance(recording_id, bool) or \
            not 0 < recording_id < 2 ** 63:
        return None
    return Recording.get_or_none(Recording.id == recording_id, visible_to(extension))


def recordings_of_calls(extension, uuids):
    """``{call uuid: recording id}`` of the recordings of these calls that ``extension``
    may find (its own first), in one query: the call record page's links."""
    uuids = [uuid for uuid in set(uuids) if uuid]
    if not uuids:
        return {}
    # The domain is checked here, not in the query: with it there SQLite reads the whole
    # domain's recordings (its index) instead of these calls' (the call_uuid index).
    rows = (Recording.select(Recording.call_uuid, Recording.id, Recording.domain)
            .where(Recording.call_uuid.in_(uuids), _own_or_took_part(extension))
            .order_by(Recording.extension != extension.id, Recording.id).tuples())
    found = {}
    for uuid, recording_id, domain_id in rows:
        if domain_id == extension.domain_id:
            found.setdefault(uuid, recording_id)
    return found


def calls_of(extension, rows):
    """``{call uuid: CallRecord}`` of the calls these recordings were made in, of
    ``extension``'s domain, in one query (a call not stored yet is missing)."""
    uuids = list({row.call_uuid for row in rows})
    if not uuids:
        return {}
    # The domain is checked here, not in the query: with it there SQLite reads the whole
    # domain's calls (its index) instead of these (the unique uuid's).
    return {call.uuid: call for call in CallRecord.select().where(CallRecord.uuid.in_(uuids))
            if call.domain_id == extension.domain_id}


def audio_path(media_folder, recording):
    """The recording's file, checked to lie inside the media folder (a path with ``..``, an
    absolute one or a link leading out of it is refused); RecordingUnavailable when it
    cannot be served."""
    path = _inside(media_folder, recording)
    if not path.is_file():
        raise RecordingUnavailable(f"the file of recording {recording.id} is gone")
    return path


def delete_recording(media_folder, extension, recording_id):
    """Delete ``extension``'s recording ``recording_id``, row and file together: the row
    goes in a transaction that ends only once the file is gone (or was already), and a file
    another row still names stays. Returns False when the extension may not find it; raises
    NotYours for one of a call it took part in but did not record, RecordingUnavailable for
    a path outside the media folder (nothing is deleted then)."""
    recording = find_recording(extension, recording_id)
    if recording is None:
        return False
    if recording.extension_id != extension.id:
        raise NotYours(f"recording {recording.id} was made by another extension")
    path = _inside(media_folder, recording)
    with database.atomic():
        Recording.delete().where(Recording.id == recording.id).execute()
        shared = Recording.select().where(Recording.path == recording.path).exists()
        if not shared:
            path.unlink(missing_ok=True)
    return True


def _inside(media_folder, recording):
    root = Path(media_folder).resolve()
    relative = Path(recording.path)
    path = (root / relative).resolve()
    if relative.is_absolute() or not recording.path or not path.is_relative_to(root) \
            or path == root:
        log.warning("recording %s: path %r is not inside the media folder: refused",
                    recording.id, recording.path)
        raise RecordingUnavailable(f"recording {recording.id} is not in the media folder")
    return path


def start_recording(media_folder, extension, call_uuid, channel_uuid, now=None):
    """The Recording row of a recording ``extension`` starts now on its leg
    ``channel_uuid`` of the call ``call_uuid`` (the call record's uuid), its folder made.
    ValueError for a uuid that is not a plain token (it names the file); OSError when the
    folder cannot be made (then there is no row)."""
    if not TOKEN.match(call_uuid or "") or not TOKEN.match(channel_uuid or ""):
        raise ValueError("a recording needs the call's and the leg's uuids")
    now = now or datetime.datetime.now().replace(microsecond=0)
    domain_name = Domain.get_by_id(extension.domain_id).name
    folder = Path(FOLDER, domain_name, now.strftime("%Y-%m-%d"))
    make_folders(Path(media_folder), folder)
    name = f"{call_uuid}-{channel_uuid[:8]}-{now.strftime('%H%M%S')}.wav"
    return Recording.create(domain=extension.domain_id, extension=extension.id,
                            call_uuid=call_uuid, path=(folder / name).as_posix(), started=now)


def _ascii_digits(text):
    return text.isascii() and text.isdigit()  # "²".isdigit() is true, int("²") fails


def running_recording(extension, recording_id, call_uuid):
    """The recording ``recording_id`` (as the channel names it) if it is ``extension``'s,
    of the call ``call_uuid``; else None (a name planted on the channel finds nothing)."""
    if not _ascii_digits(str(recording_id)) or not 0 < int(recording_id) < 2 ** 63:
        return None
    return Recording.get_or_none(Recording.id == int(recording_id),
                                 Recording.extension == extension.id,
                                 Recording.call_uuid == call_uuid)


def recording_ended(media_folder, relative):
    """The switch stopped writing the recording at ``relative`` (under the media folder):
    store each of its rows' length in whole seconds, or, when there is no readable WAV
    with sound frames, delete the rows (nothing was recorded). Returns how many rows were
    changed."""
    rows = list(Recording.select().where(Recording.path == relative))
    if not rows:
        return 0
    try:
        seconds = run_in_pool(_wav_seconds, Path(media_folder) / relative)
    except (OSError, EOFError, wave.Error) as exc:
        log.warning("recording %s: no readable WAV (%s): its row is dropped", relative, exc)
        seconds = None
    ids = [row.id for row in rows]
    if not seconds:
        return Recording.delete().where(Recording.id.in_(ids)).execute()
    return Recording.update(duration=max(1, round(seconds))).where(Recording.id.in_(ids)).execute()


def _wav_seconds(path):
    with wave.open(str(path), "rb") as audio:
        rate = audio.getframerate()
        if rate <= 0:
            raise wave.Error("no sample rate")
        return audio.getnframes() / rate
