"""Captured event-socket frames (tests/data/freeswitch/esl_inbound), read as greenswitch does."""

from greenswitch.esl import ESLEvent

from tests.captures import payload


def frame(relative):
    """``(outer headers, body)`` of one captured frame."""
    raw = payload(f"esl_inbound/{relative}").decode()
    head, _, body = raw.partition("\n\n")
    headers = dict(line.split(": ", 1) for line in head.splitlines())
    return headers, body


def event_headers(name):
    """The decoded headers of the captured plain event ``events_plain/<name>.txt``."""
    _, body = frame(f"events_plain/{name}.txt")
    return ESLEvent(body).headers


def api_body(name):
    return frame(f"{name}.txt")[1]
