"""The listener against a fake switch speaking the real event-socket protocol over TCP."""

import logging

import gevent
import pytest
from gevent.queue import Queue

from switchctl.config import HostPort
from switchctl.esl.extension_state import IDLE, IN_USE, UNAVAILABLE, ExtensionStates
from switchctl.esl.listener import SUBSCRIPTION, Listener
from tests.builders.captures import DATA, payload
from tests.builders.esl import (NO_ROWS, api_body, callstate, event_frame, event_headers,
                                registered, unregistered)
from tests.fakes.fake_switch import FakeSwitch

USER = "1003@127.0.0.1"


@pytest.fixture
def fake():
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS}).start()
    yield switch
    switch.stop()


def following(fake):
    """A listener of ``fake`` running: ``(listener, states, changes, its greenlet)``."""
    states = ExtensionStates()
    changes = Queue()
    states.observers.append(lambda user, state: changes.put((user, state)))
    listener = Listener(HostPort("127.0.0.1", fake.port), "ClueCon", states, retry=0.05)
    return listener, states, changes, gevent.spawn(listener.run)


@pytest.fixture
def follow(fake):
    listener, states, changes, runner = following(fake)
    assert listener.online.wait(timeout=5)
    yield listener, states, changes
    listener.stop()
    fake.stop()
    runner.join(timeout=5)


def next_change(changes):
    return changes.get(timeout=5)


def test_it_logs_in_subscribes_and_resyncs(fake, follow):
    assert fake.commands[:4] == ["auth ClueCon", SUBSCRIPTION, "api show registrations as json",
                                 "api show channels as json"]


def test_browsers_logged_in_over_verto_are_read_at_every_connect(fake):
    """The real ``verto xmlstatus`` (101's browser logged in): 101 is idle with no SIP
    registration; the switch's verto::client_disconnect makes it unavailable."""
    fake.answers["verto xmlstatus"] = (DATA.parent / "verto" / "verto_xmlstatus.txt").read_text()
    listener, states, changes, runner = following(fake)
    try:
        assert listener.online.wait(timeout=5)
        assert "api verto xmlstatus" in fake.commands
        assert states.state("101@pbx.local") == IDLE
        assert next_change(changes) == ("101@pbx.local", IDLE)  # the resync's
        headers = event_headers("CUSTOM_verto__client_disconnect")  # the real event, 101's
        fake.emit(event_frame({**headers, "verto_login": "101@pbx.local",
                               "verto_client_address": "127.0.0.1:42304"}))
        assert next_change(changes) == ("101@pbx.local", UNAVAILABLE)
    finally:
        listener.stop()
        fake.stop()
        runner.join(timeout=5)


def test_events_move_an_extension_through_its_states(fake, follow):
    _, states, changes = follow
    fake.emit(registered())
    assert next_change(changes) == ("101@pbx.local", IDLE)
    fake.emit(callstate("u1", "RINGING"))
    assert next_change(changes) == ("101@pbx.local", IN_USE)
    fake.emit(callstate("u1", "HANGUP"))
    assert next_change(changes) == ("101@pbx.local", IDLE)
    fake.emit(unregistered())
    assert next_change(changes) == ("101@pbx.local", UNAVAILABLE)


def test_captured_frames_are_understood(fake, follow):
    _, states, changes = follow
    fake.emit(payload("esl_inbound/events_plain/CUSTOM_sofia__register.txt"))
    assert next_change(changes) == (USER, IDLE)
    fake.emit(payload("esl_inbound/events_plain/CUSTOM_sofia__expire.txt"))
    assert next_change(changes) == (USER, UNAVAILABLE)


def test_a_restarted_switch_is_followed_again_and_resynced(fake, follow):
    listener, states, changes = follow
    fake.emit(registered())
    assert next_change(changes) == ("101@pbx.local", IDLE)
    # While the switch is gone, 101 unregisters and 1000/1001 are in a call.
    fake.answers["show registrations as json"] = api_body("api_show_registrations_as_json")
    fake.answers["show channels as json"] = api_body("api_show_channels_as_json")
    listener.online.clear()
    fake.cut()
    assert listener.online.wait(timeout=5)
    assert listener.resyncs == 2
    assert states.snapshot(["101@pbx.local", USER, "1000@127.0.0.1"]) == {
        "101@pbx.local": UNAVAILABLE, USER: IDLE, "1000@127.0.0.1": IN_USE}


def test_a_stopped_listener_hangs_up_and_handles_nothing_more(fake):
    """stop() ends the connection from our side: the switch sees the client go, and an
    event sent meanwhile (say a MESSAGE_QUERY another process should answer) reaches no
    handler of it."""
    listener, states, changes, runner = following(fake)
    assert listener.resynchronised.wait(timeout=5)
    listener.stop()
    with gevent.Timeout(5):
        while fake.clients:
            gevent.sleep(0.02)
    runner.join(timeout=5)
    assert runner.dead
    fake.emit(registered())
    gevent.sleep(0.2)
    assert changes.empty() and states.state("101@pbx.local") == UNAVAILABLE


@pytest.mark.parametrize("bad", [
    b"Content-Length: 500\nContent-Type: text/event-plain\n\nEvent-Name: CUSTOM\n",
    b"Content-Type: text/something-new\n\n",
])
def test_truncated_and_malformed_frames_are_survived(fake, follow, bad):
    listener, states, changes = follow
    listener.online.clear()
    fake.emit(bad)
    if bad.startswith(b"Content-Length: 500"):
        fake.cut()  # the rest of the frame never comes
    assert listener.online.wait(timeout=5)
    fake.emit(registered())
    assert next_change(changes) == ("101@pbx.local", IDLE)


def test_a_wrong_password_keeps_trying_without_going_online(fake):
    listener = Listener(HostPort("127.0.0.1", fake.port), "wrong", ExtensionStates(), retry=0.05)
    runner = gevent.spawn(listener.run)
    fake.wait_for_command("auth wrong")
    fake.wait_for_command("auth wrong")  # it came back for a second try
    assert not listener.online.is_set()
    listener.stop()
    runner.join(timeout=5)


def test_no_switch_at_all_is_retried_quietly(fake):
    port = fake.port
    fake.stop()
    listener = Listener(HostPort("127.0.0.1", port), "ClueCon", ExtensionStates(), retry=0.05)
    runner = gevent.spawn(listener.run)
    assert not listener.online.wait(timeout=0.3)
    listener.stop()
    runner.join(timeout=5)
    assert runner.dead


def test_an_absent_switch_is_logged_once_and_retried_less_and_less_often(fake, caplog):
    caplog.set_level(logging.DEBUG, logger="switchctl.esl.listener")
    port = fake.port
    fake.stop()
    listener = Listener(HostPort("127.0.0.1", port), "ClueCon", ExtensionStates(), retry=0.02,
                        max_retry=0.16)
    runner = gevent.spawn(listener.run)
    gevent.sleep(1.0)
    listener.stop()
    runner.join(timeout=5)
    failures = [r for r in caplog.records if "retrying" in r.getMessage()]
    # Without backing off, 1 s at 0.02 s would be some 50 tries; doubling to 0.16 s: about 9.
    assert 4 <= len(failures) <= 12, len(failures)
    assert [r.levelno for r in failures[:2]] == [logging.WARNING, logging.DEBUG]
    assert sum(r.levelno >= logging.WARNING for r in failures) == 1
    assert listener.offline_since is not None and not listener.online.is_set()


def test_offline_since_follows_the_link_and_the_recovery_is_logged(fake, caplog):
    caplog.set_level(logging.INFO, logger="switchctl.esl.listener")
    listener = Listener(HostPort("127.0.0.1", fake.port), "ClueCon", ExtensionStates(),
                        retry=0.05)
    started = listener.offline_since
    assert started is not None  # not connected yet
    runner = gevent.spawn(listener.run)
    assert listener.online.wait(timeout=5)
    assert listener.offline_since is None
    assert any("connected after" in r.getMessage() for r in caplog.records)
    fake.cut()
    with gevent.Timeout(5):
        while listener.offline_since is None:
            gevent.sleep(0.01)
    assert listener.offline_since >= started
    listener.stop()
    runner.join(timeout=5)
