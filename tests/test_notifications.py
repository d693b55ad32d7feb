"""Live notifications for the portal: state changes and incoming calls, per user."""

import pytest

from switchctl.esl import events
from switchctl.esl.notifications import (EVERYONE, QUEUE_SIZE, Hub, IncomingCall, Overflowed,
                                         StateChange, SwitchLink)
from switchctl.services.contacts import add_contact
from switchctl.services.extensions import add_extension
from tests.builders.esl import registered, ringing


def test_only_a_leg_ringing_at_a_phone_is_an_incoming_call():
    assert events.CallState("u", "102@d", "RINGING", "outbound", "1000").rings_a_phone
    assert not events.CallState("u", "101@d", "RINGING", "inbound", "101").rings_a_phone
    assert not events.CallState("u", "102@d", "ACTIVE", "outbound", "1000").rings_a_phone


def test_a_reader_that_falls_behind_is_told_and_keeps_the_newest():
    hub = Hub()
    queue = hub.subscribe("101@pbx.local")
    for n in range(QUEUE_SIZE + 5):
        hub.publish("101@PBX.local", n)
    assert [queue.get_nowait() for _ in range(queue.qsize())] == \
        [Overflowed()] + list(range(QUEUE_SIZE, QUEUE_SIZE + 5))


@pytest.fixture
def live(live_view, domain):
    add_extension(domain, "101", "Alice", "Passw0rd101")
    bob, _ = add_extension(domain, "102", "Bob", "Passw0rd102")
    add_contact(domain, "ACME Sales", "13800000000")
    add_contact(domain, "Bob's dentist", "13912345678", owner=bob)
    return live_view


def test_a_user_hears_of_calls_to_their_phone_with_the_contact_name_they_may_see(live):
    view, switch = live
    alice, bob = view.hub.subscribe("101@pbx.local"), view.hub.subscribe("102@pbx.local")
    switch.emit(ringing("102@pbx.local", "13912345678", uuid="b1"))
    switch.emit(ringing("101@pbx.local", "13912345678", uuid="b2"))
    switch.emit(ringing("101@pbx.local", "13800000000", uuid="b3"))
    assert bob.get(timeout=5) == IncomingCall("102@pbx.local", "b1", "13912345678",
                                              "Bob's dentist")
    assert alice.get(timeout=5) == IncomingCall("101@pbx.local", "b2", "13912345678", "")
    assert alice.get(timeout=5) == IncomingCall("101@pbx.local", "b3", "13800000000",
                                                "ACME Sales")


def test_a_colleague_calling_is_named_by_their_extension(live):
    view, switch = live
    bob = view.hub.subscribe("102@pbx.local")
    switch.emit(ringing("102@pbx.local", "101", uuid="b5", context="default"))
    assert bob.get(timeout=5) == IncomingCall("102@pbx.local", "b5", "101", "Alice")


def test_an_outside_caller_id_that_looks_like_an_extension_is_not_named(live):
    """A trunk may let a caller send any caller ID: only our own users' calls (context
    default) are named after an extension."""
    view, switch = live
    bob = view.hub.subscribe("102@pbx.local")
    switch.emit(ringing("102@pbx.local", "101", uuid="b6", context="public"))
    assert bob.get(timeout=5) == IncomingCall("102@pbx.local", "b6", "101", "")


def test_state_changes_reach_the_domains_subscribers_only(live):
    view, switch = live
    office, elsewhere = view.hub.subscribe("@pbx.local"), view.hub.subscribe("@other.example")
    switch.emit(registered("101"))
    assert office.get(timeout=5) == StateChange("101@pbx.local", "idle")
    switch.emit(ringing("101@pbx.local", "13800000000", uuid="b4"))
    assert office.get(timeout=5) == StateChange("101@pbx.local", "in use")
    assert elsewhere.empty()


def test_everyone_hears_when_the_switch_goes_away_and_comes_back(live):
    view, switch = live
    queue = view.hub.subscribe(EVERYONE, "101@pbx.local")
    switch.cut()
    assert queue.get(timeout=5) == SwitchLink(False)
    assert queue.get(timeout=5) == SwitchLink(True)


def test_an_unsubscribed_queue_hears_nothing_more():
    hub = Hub()
    queue = hub.subscribe("101@pbx.local", "@pbx.local")
    hub.unsubscribe(queue)
    hub.publish("@pbx.local", "x")
    assert queue.empty() and not hub.subscribers


def test_a_failing_link_observer_does_not_stop_the_reconnecting(live):
    view, switch = live

    def broken(online):
        raise RuntimeError("a bug in an observer")

    view.listener.link_observers.insert(0, broken)
    queue = view.hub.subscribe(EVERYONE)
    switch.cut()
    assert queue.get(timeout=5) == SwitchLink(False)
    assert queue.get(timeout=5) == SwitchLink(True)
    assert view.listener.resyncs == 2
