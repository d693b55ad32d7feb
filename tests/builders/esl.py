"""Captured event-socket frames (tests/data/freeswitch/esl_inbound), read as greenswitch does."""

from greenswitch.esl import ESLEvent

from tests.builders.captures import payload
from tests.fakes.fake_switch import event_frame


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


# Frames of the events switchctl follows, as the switch sends them.
NO_ROWS = '{"row_count":0}'


def registered(user="101", contact="sip:101@10.0.0.5:5060"):
    return event_frame({"Event-Subclass": "sofia::register", "Event-Name": "CUSTOM",
                        "username": user, "realm": "pbx.local",
                        "contact": f'"" <{contact}>'})


def unregistered(user="101", contact="sip:101@10.0.0.5:5060"):
    return event_frame({"Event-Subclass": "sofia::unregister", "Event-Name": "CUSTOM",
                        "username": user, "realm": "pbx.local",
                        "contact": f'"" <{contact}>'})


def callstate(uuid, state, user="101@pbx.local"):
    return event_frame({"Event-Name": "CHANNEL_CALLSTATE", "Unique-ID": uuid,
                        "Channel-Call-State": state, "Channel-Presence-ID": user})


def ringing(user, caller, direction="outbound", uuid="b-leg", state="RINGING",
            context="public"):
    return event_frame({"Event-Name": "CHANNEL_CALLSTATE", "Unique-ID": uuid,
                        "Channel-Call-State": state, "Caller-Context": context,
                        "Call-Direction": direction, "Channel-Presence-ID": user,
                        "Caller-Caller-ID-Number": caller})
