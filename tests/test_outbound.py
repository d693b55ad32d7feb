"""The outbound event-socket server, driven by a fake switch that connects as FreeSWITCH does."""

import functools
import logging

import gevent
import pytest
from gevent.queue import Queue

from switchctl.freeswitch import prompts
from switchctl.config import HostPort
from switchctl.esl.outbound import OutboundServer
from switchctl.freeswitch.commands import socket_data
from switchctl.esl.session import CallerHungUp
from tests.fakes.fake_switch import FakeCall


class DemoFlow:
    """Answer, ask for one digit, say it back: the small flow of the issue."""

    def __init__(self, call):
        self.call = call

    def run(self):
        self.call.answer()
        digit = self.call.collect_digits("ivr/ivr-please_enter_extension_followed_by_pound.wav",
                                         prompts.INVALID_ENTRY)
        self.call.say(digit or "0")


class BrokenFlow:
    def __init__(self, call):
        self.call = call

    def run(self):
        self.call.answer()
        raise RuntimeError("a bug in a flow")


class SlowFlow:
    """Plays for as long as the caller stays: shows calls do not wait on each other."""

    def __init__(self, call):
        self.call = call

    def run(self):
        self.call.answer()
        self.call.play("silence_stream://1000")


class WatchfulFlow:
    """Notes whether its one prompt came back normally or with the caller gone."""

    def __init__(self, call, noted):
        self.call = call
        self.noted = noted

    def run(self):
        self.call.answer()
        try:
            self.call.play("silence_stream://20000")
        except CallerHungUp:
            self.noted.put("hung up")
            raise
        self.noted.put("played")


class VoiceMessageFlow:
    """Records until the caller hangs up (how messages usually end), then tries to thank."""

    def __init__(self, call, noted):
        self.call = call
        self.noted = noted

    def run(self):
        self.call.answer()
        self.noted.put(("hung up", self.call.record("/tmp/message.wav", 60)))
        try:
            self.call.play("ivr/ivr-thank_you.wav")
        except CallerHungUp:
            self.noted.put(("then", "hung up"))
            raise


class HandOnFlow:
    """Answers, then sends the call on into the dialplan (as the mailbox's operator key)."""

    def __init__(self, call):
        self.call = call

    def run(self):
        self.call.answer()
        self.call.transfer("105", "default")


@pytest.fixture
def noted():
    """What this test's flows note, in order (each test has its own)."""
    return Queue()


def taken(queue, count):
    """The next ``count`` notes, waiting for each (at most 5 s: not the flow's 120 s
    application timeout); then nothing more was noted."""
    notes = [queue.get(timeout=5) for _ in range(count)]
    assert queue.empty(), f"{queue.qsize()} more noted"
    return notes


@pytest.fixture
def server(noted):
    running = OutboundServer(HostPort("127.0.0.1", 0), {
        "demo": DemoFlow, "broken": BrokenFlow, "slow": SlowFlow,
        "watchful": functools.partial(WatchfulFlow, noted=noted), "hand-on": HandOnFlow,
        "message": functools.partial(VoiceMessageFlow, noted=noted)}).start()
    yield running
    running.stop()


def place(server, flow, **options):
    call = FakeCall(server.port, {"switchctl_flow": flow}, **options)
    worker = gevent.spawn(call.run)
    assert call.done.wait(timeout=10)
    worker.join(timeout=5)
    return call


def test_a_flow_runs_and_its_commands_reach_the_switch(server):
    call = place(server, "demo", digits=["5"])
    assert call.commands[:3] == ["connect", "myevents", "linger"]
    assert call.executed == [
        ("answer", ""),
        ("play_and_get_digits", "1 1 3 5000 # ivr/ivr-please_enter_extension_followed_by_pound"
                                f".wav {prompts.INVALID_ENTRY} switchctl_collected \\d+ 3000"),
        ("say", "en number iterated 5"),
        ("hangup", "NORMAL_CLEARING"),
    ]


def test_a_caller_hanging_up_ends_the_flow_quietly(server, caplog):
    caplog.set_level(logging.DEBUG)
    call = place(server, "demo", hang_up_at=1)
    # The prompt started, the caller hung up in it: nothing more was asked of the switch.
    assert [app for app, _ in call.executed] == ["answer", "play_and_get_digits"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


def test_an_application_cut_short_by_a_hangup_raises_in_the_flow(server, noted):
    """The real switch completes the interrupted application (Answer-State: hangup)
    before the hangup: the flow must not take that for a normal end."""
    place(server, "watchful", hang_up_at=1)
    place(server, "watchful")
    assert taken(noted, 2) == ["hung up", "played"]


def test_a_recording_ended_by_hanging_up_is_a_normal_end_of_the_recording(server, noted):
    place(server, "message", hang_up_at=1)
    assert taken(noted, 2) == [("hung up", True), ("then", "hung up")]
    call = place(server, "message")
    assert taken(noted, 1) == [("hung up", False)]
    assert call.executed[1] == ("record", "/tmp/message.wav 60 200 3")


def test_a_switch_that_vanishes_mid_application_ends_the_flow_at_once(server, noted):
    place(server, "watchful", vanish_at=1)
    assert taken(noted, 1) == ["hung up"]


def test_a_failing_flow_plays_the_error_prompt_and_hangs_up(server, caplog):
    call = place(server, "broken")
    assert call.executed == [("answer", ""), ("playback", prompts.ERROR),
                             ("hangup", "NORMAL_TEMPORARY_FAILURE")]
    assert any("failed" in r.getMessage() for r in caplog.records)


def test_an_unknown_flow_is_an_error_prompt_too(server):
    call = place(server, "nonexistent")
    assert call.executed == [("playback", prompts.ERROR), ("hangup", "NORMAL_TEMPORARY_FAILURE")]


def test_concurrent_calls_do_not_block_each_other(server):
    slow = FakeCall(server.port, {"switchctl_flow": "slow"}, hang_up_at=1)
    calls = [FakeCall(server.port, {"switchctl_flow": "demo"}, digits=[str(n)])
             for n in range(5)]
    workers = [gevent.spawn(c.run) for c in [slow, *calls]]
    for call in calls:
        assert call.done.wait(timeout=10)
    said = [("say", f"en number iterated {n}") for n in range(5)]
    assert [c.executed[-2] for c in calls] == said
    gevent.joinall(workers, timeout=5)


def test_socket_data_is_what_the_dialplan_uses():
    assert socket_data(HostPort("127.0.0.1", 8084)) == "127.0.0.1:8084 async full"


def test_a_transferred_call_is_not_hung_up_when_its_flow_ends(server):
    """The switch runs the transfer's destination once the socket application is left:
    a hangup sent after it would end the call there."""
    call = place(server, "hand-on", hang_up_at=None)
    assert call.executed == [("answer", ""), ("transfer", "105 XML default")]
    assert call.commands[-1] == "exit"
