"""The fake switch speaks what the real one does (checked against the captures), so the
component tests built on it mean something."""

import json

import pytest
from gevent import socket

from tests.builders.captures import payload
from tests.fakes.fake_switch import FakeSwitch, event_frame


class RawClient:
    """An event-socket client reading frames byte for byte, as they come."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.reader = self.sock.makefile("rb")

    def frame(self):
        """``(raw bytes, headers, body)`` of the next frame."""
        raw, headers = b"", {}
        while (line := self.reader.readline()) != b"\n":
            assert line, "the switch closed the connection"
            raw += line
            name, _, value = line.decode().rstrip("\n").partition(": ")
            headers[name] = value
        raw += b"\n"
        body = self.reader.read(int(headers["Content-Length"])) \
            if "Content-Length" in headers else b""
        return raw + body, headers, body

    def send(self, command):
        self.sock.sendall(command.encode() + b"\n\n")
        return self.frame()[1]

    def close(self):
        self.reader.close()
        self.sock.close()


@pytest.fixture
def switch():
    running = FakeSwitch(answers={"status": "UP 0 years, 0 days\n"}).start()
    yield running
    running.stop()


@pytest.fixture
def client(switch):
    connected = RawClient(switch.port)
    assert connected.frame()[1] == {"Content-Type": "auth/request"}
    assert connected.send("auth ClueCon")["Reply-Text"] == "+OK accepted"
    yield connected
    connected.close()


def register_event(user):
    return {"Event-Name": "CUSTOM", "Event-Subclass": "sofia::register", "username": user}


def test_a_json_subscription_gets_json_frames_shaped_like_the_capture(switch, client):
    reply = client.send("event json CHANNEL_CREATE CUSTOM sofia::register")
    assert reply["Reply-Text"] == "+OK event listener enabled json"
    switch.emit_event(register_event("101"))
    raw, headers, body = client.frame()
    captured = payload("esl_inbound/events_json/CUSTOM_sofia__register.txt")
    assert list(headers) == ["Content-Length", "Content-Type"]
    assert [line.split(b": ")[0] for line in raw.split(b"\n")[:3]] == \
        [line.split(b": ")[0] for line in captured.split(b"\n")[:3]]
    assert headers["Content-Type"] == "text/event-json"
    assert json.loads(body) == register_event("101")


def test_events_not_subscribed_to_are_not_sent(switch, client):
    client.send("event plain CUSTOM sofia::register")
    switch.emit_event({"Event-Name": "CHANNEL_CREATE"})
    switch.emit_event({"Event-Name": "CUSTOM", "Event-Subclass": "sofia::expire"})
    switch.emit_event(register_event("102"))
    raw, headers, _ = client.frame()
    assert raw.endswith(b"username: 102\n\n") and headers["Content-Type"] == "text/event-plain"


def test_filters_pass_only_matching_events_until_deleted(switch, client):
    client.send("event plain ALL")
    reply = client.send("filter username 103")
    assert reply["Reply-Text"] == "+OK filter added. [username]=[103]"
    switch.emit_event(register_event("101"))
    switch.emit_event(register_event("103"))
    assert client.frame()[0].endswith(b"username: 103\n\n")
    client.send("filter delete username 103")
    switch.emit_event(register_event("104"))
    assert client.frame()[0].endswith(b"username: 104\n\n")


def test_bgapi_replies_with_a_job_then_its_background_job_event(switch, client):
    client.send("event plain BACKGROUND_JOB")
    reply = client.send("bgapi status")
    captured = payload("esl_inbound/bgapi_status_command_reply.txt").decode()
    assert list(reply) == [line.split(": ")[0] for line in captured.strip().splitlines()]
    job = reply["Job-UUID"]
    assert reply["Reply-Text"] == f"+OK Job-UUID: {job}"
    raw, _, body = client.frame()
    inner_headers, _, result = body.partition(b"\n\n")
    assert b"Event-Name: BACKGROUND_JOB" in inner_headers and f"Job-UUID: {job}".encode() \
        in inner_headers
    assert result == b"UP 0 years, 0 days\n"


def test_plain_frames_match_the_captured_framing():
    captured = payload("esl_inbound/events_plain/CUSTOM_sofia__register.txt")
    built = event_frame({"Event-Name": "CUSTOM", "Event-Subclass": "sofia::register"})
    assert built.split(b"\n")[1] == captured.split(b"\n")[1] == b"Content-Type: text/event-plain"
    assert built.startswith(b"Content-Length: ") and captured.startswith(b"Content-Length: ")
    assert b"Event-Subclass: sofia%3A%3Aregister" in built
    assert b"Event-Subclass: sofia%3A%3Aregister" in captured


def test_a_wrong_password_is_refused_and_disconnected(switch):
    client = RawClient(switch.port)
    client.frame()
    assert client.send("auth nope")["Reply-Text"] == "-ERR invalid"
    assert client.frame()[1]["Content-Type"] == "text/disconnect-notice"
    client.close()
