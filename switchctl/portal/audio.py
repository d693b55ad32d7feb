"""A WAV of the media folder (a recording, a voicemail message) as the answer: to play in
the page's ``<audio>`` (conditional and range requests, so the player can seek) or as a
file to keep, under a name safe in any browser's save dialog."""

import os
import re

from flask import request, send_file

from switchctl.portal.context import portal_context

WAV = "audio/wav"
SAFE_PART = re.compile(r"[^0-9A-Za-z+]+")
MAX_PART = 32


def media_folder():
    """The folder the switch records into (config ``media_folder``)."""
    return portal_context().config.media_folder


def wav_name(kind, at, *parts):
    """``kind-20261202-140503-part-part.wav``: ``at`` (a local time) and the parts, each
    letters, digits and + only (a caller ID may say anything), ``unknown`` if none is left."""
    tail = "".join(f"-{SAFE_PART.sub('', str(part))[:MAX_PART] or 'unknown'}" for part in parts)
    return f"{kind}-{at:%Y%m%d-%H%M%S}{tail}.wav"


def send_wav(audio_file, download_name, attachment, tag):
    """The opened (binary) WAV ``audio_file`` as the answer, closed once sent; ``tag`` makes
    its ETag with the file's size and time. A file to keep when ``attachment``, else inline."""
    found = os.fstat(audio_file.fileno())
    response = send_file(audio_file, mimetype=WAV, as_attachment=attachment,
                         download_name=download_name,
                         etag=f"{tag}-{found.st_size}-{int(found.st_mtime)}",
                         last_modified=found.st_mtime, conditional=False)
    response.content_length = found.st_size
    return response.make_conditional(request.environ, accept_ranges=True,
                                     complete_length=found.st_size)
