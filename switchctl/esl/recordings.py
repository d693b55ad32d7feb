"""Recordings that end: the switch's RECORD_STOP event stores their length.

A one-touch recording (xml_curl/recordings.py) ends when ``*1`` is pressed again or when
its call ends; either way the switch fires RECORD_STOP with ``Record-File-Path``, the
file as the switch sees it. One under our media folder (as the switch sees it) is ours:
services/recordings.recording_ended stores its length, or drops its row when the switch
wrote nothing. Any other recording (voicemail's ``record``, the switch's own) is left
alone: voicemail keeps its messages itself.
"""

import logging

from switchctl.db import database_guard
from switchctl.services import recordings

log = logging.getLogger(__name__)
EVENT = "RECORD_STOP"
PATH_HEADER = "Record-File-Path"


class RecordingStops:
    def __init__(self, listener, config):
        self.config = config
        listener.header_observers.append(self.on_event)

    def relative(self, switch_path):
        """``switch_path`` under our recordings folder, relative to the media folder; ""
        for any other path (or one climbing out with ``..``)."""
        prefix = f"{self.config.switch_media_folder}/{recordings.FOLDER}/"
        if not switch_path.startswith(prefix) or "/../" in f"/{switch_path}/":
            return ""
        return switch_path[len(self.config.switch_media_folder) + 1:]

    def on_event(self, headers):
        if headers.get("Event-Name") != EVENT:
            return
        relative = self.relative(headers.get(PATH_HEADER, ""))
        if not relative:
            return
        with database_guard(log, "recording %s ended", relative):
            recordings.recording_ended(self.config.media_folder, relative)
