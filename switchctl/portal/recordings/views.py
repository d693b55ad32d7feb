"""The recordings page (``/recordings``): the calls an extension user recorded with the
in-call ``*1`` code, and the recordings of calls it took part in, newest first: play in
the page, download, delete (only the user's own: the other end's it may play, not delete).

Every recording is looked up among the logged-in extension's (services.recordings filters
by it in the query), so the id of another extension's recording finds nothing: 404,
nothing changed. Files are served only from inside the media folder.
"""

import logging

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from switchctl.models.logins import ROLE_EXTENSION
from switchctl.portal import paging
from switchctl.portal.access import RECORD_REFUSED, refuse, roles_required
from switchctl.portal.call_records.views import length
from switchctl.portal.audio import media_folder, send_wav, wav_name
from switchctl.portal.lookups import my_extension, or_404
from switchctl.services import call_records, recordings
from switchctl.services.domains import time_zone

blueprint = Blueprint("recordings", __name__, template_folder="templates")
log = logging.getLogger(__name__)
blueprint.add_app_template_filter(length, "call_length")


def found_recording(extension, recording_id):
    """Recording ``recording_id`` among those ``extension`` may find; 404 for any other."""
    return or_404(recordings.find_recording(extension, recording_id))


@blueprint.get("/recordings")
@roles_required(ROLE_EXTENSION)
def index():
    extension = my_extension()
    number = paging.page_number()
    page = recordings.recordings(extension, number)
    zone = time_zone(extension.domain_id)
    calls = recordings.calls_of(extension, page.recordings)
    names = call_records.party_names(extension.domain_id, extension.id, list(calls.values()))
    rows = []
    for recording in page.recordings:
        call = calls.get(recording.call_uuid)
        rows.append({
            "recording": recording, "own": recording.extension_id == extension.id,
            "time": call_records.local_time(recording.started, zone),
            "other": call_records.other_party(call, extension.id) if call else "",
            "name": names.get(call.id, "") if call else ""})
    return render_template("recordings/index.html", rows=rows, page_number=number,
                           has_next=page.more)


@blueprint.get("/recordings/<int:recording_id>/audio")
@roles_required(ROLE_EXTENSION)
def audio(recording_id):
    """The recording's WAV, to play in the page (conditional and range requests)."""
    return send_audio(recording_id, attachment=False)


@blueprint.get("/recordings/<int:recording_id>/download")
@roles_required(ROLE_EXTENSION)
def download(recording_id):
    """The recording's WAV as a file to keep."""
    return send_audio(recording_id, attachment=True)


def send_audio(recording_id, attachment):
    extension = my_extension()
    recording = found_recording(extension, recording_id)
    try:
        audio_file = open(recordings.audio_path(media_folder(), recording), "rb")
    except (recordings.RecordingUnavailable, OSError) as exc:
        if not isinstance(exc, recordings.RecordingUnavailable):
            log.error("portal: recording %s cannot be read: %s", recording.id, exc)
        flash(_("The file of this recording is gone: it cannot be played or downloaded."),
              "error")
        return redirect(url_for(".index"))
    # recording-20261202-140500-12.wav: the time in the domain's zone and the id.
    at = call_records.local_time(recording.started, time_zone(extension.domain_id))
    return send_wav(audio_file, wav_name("recording", at, recording.id), attachment,
                    f"recording-{recording.id}")


@blueprint.post("/recordings/<int:recording_id>/delete")
@roles_required(ROLE_EXTENSION)
def delete(recording_id):
    """Delete the user's own recording, its row and its file."""
    extension = my_extension()
    found_recording(extension, recording_id)
    try:
        recordings.delete_recording(media_folder(), extension, recording_id)
    except recordings.NotYours:
        refuse(RECORD_REFUSED, f"recording {recording_id} was made by another extension")
    except recordings.RecordingUnavailable:
        flash(_("This recording cannot be deleted here: its file is not in the media folder. "
                "Ask your administrator."), "error")
        return back()
    except OSError as exc:
        log.error("portal: recording %s of extension %s cannot be deleted: %s",
                  recording_id, extension.number, exc)
        flash(_("The recording could not be deleted: its file cannot be removed. "
                "Ask your administrator."), "error")
        return back()
    flash(_("Recording deleted."))
    return back()


def back():
    return redirect(url_for(".index", page=paging.form_page()))
