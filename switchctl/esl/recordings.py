"""Recordings that end (RECORD_STOP): their length stored with the row.

Skeleton: the recording work fills it in."""


class RecordingStops:
    def __init__(self, listener):
        self.listener = listener
