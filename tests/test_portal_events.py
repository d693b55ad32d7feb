"""The portal's live stream, end to end: the fake switch emits, ``switchctl serve`` (a
separate process) follows it, and a logged-in user's /events stream carries the news."""

import pytest

from switchctl.esl.notifications import SwitchLink
from tests.servers.live_office import live_office
from tests.clients.sse import EventStream
from tests.builders.esl import registered, unregistered
from tests.builders.esl import ringing


@pytest.fixture
def office(tmp_path):
    with live_office(tmp_path) as running:
        streams = []

        def open_stream(number):
            stream = EventStream("127.0.0.1", running.port,
                                 cookies=running.log_in(number))
            streams.append(stream)
            return stream

        yield running.switch, open_stream, running.port
        for stream in streams:
            stream.close()


def test_the_stream_starts_with_every_extension_and_the_switch_link(office):
    switch, open_stream, _ = office
    stream = open_stream("102")
    assert stream.status == 200
    assert stream.headers["content-type"].startswith("text/event-stream")
    name, snapshot = stream.next()
    assert name == "extensions" and snapshot["online"] is True
    assert [(row["number"], row["state"]) for row in snapshot["extensions"]] == [
        (number, "unavailable") for number in ("101", "102", "103", "104", "105")]
    assert snapshot["extensions"][1]["name"] == "Alice Chen"


def test_an_extension_moves_idle_in_use_idle_unavailable_on_the_stream(office):
    switch, open_stream, _ = office
    stream = open_stream("101")
    stream.next_named("extensions")
    switch.emit(registered("102", "sip:102@10.0.0.7:5060"))
    assert stream.next_named("state") == {"extension": "102", "state": "idle"}
    switch.emit(ringing("102@pbx.local", "13800000000", uuid="b-1"))
    assert stream.next_named("state") == {"extension": "102", "state": "in use"}
    switch.emit(ringing("102@pbx.local", "13800000000", uuid="b-1", state="HANGUP"))
    assert stream.next_named("state") == {"extension": "102", "state": "idle"}
    switch.emit(unregistered("102", "sip:102@10.0.0.7:5060"))
    assert stream.next_named("state") == {"extension": "102", "state": "unavailable"}


def test_only_the_called_user_hears_of_the_call_with_the_contact_name(office):
    switch, open_stream, _ = office
    alice, reception = open_stream("102"), open_stream("101")
    for stream in (alice, reception):
        stream.next_named("extensions")
    switch.emit(ringing("102@pbx.local", "13800000000", uuid="b-2"))
    assert alice.next_named("call") == {"uuid": "b-2", "number": "13800000000",
                                        "name": "ACME Sales"}
    assert reception.next_named("state") == {"extension": "102", "state": "in use"}
    switch.emit(registered("101"))
    # Reception's next state event is its own registration: no call event came before it.
    assert reception.next() == ("state", {"extension": "101", "state": "idle"})


def test_the_stream_says_when_the_switch_goes_away_and_comes_back(office):
    switch, open_stream, _ = office
    stream = open_stream("103")
    stream.next_named("extensions")
    switch.cut()
    assert stream.next_named("switch") == {"online": False}
    assert stream.next_named("switch", timeout=15) == {"online": True}


def test_without_a_login_the_stream_is_refused(office):
    _, _, port = office
    stream = EventStream("127.0.0.1", port)
    assert stream.status == 401
    stream.close()


@pytest.fixture
def in_process(config, live_view, monkeypatch):
    """The portal app in this process on a LiveView of a fake switch, 101 logged in; the
    session is re-checked every 50 ms here."""
    from switchctl import portal
    from switchctl.portal.extensions import stream
    from switchctl.services.domains import ensure_domain, set_portal_enabled
    from switchctl.services.extensions import add_extension, set_portal_access
    from tests.clients.portal import log_in as log_in_client

    domain = ensure_domain(config.domain)
    add_extension(domain, "101", "Alice", "Passw0rd101")
    set_portal_enabled(domain, True)
    set_portal_access(domain, ["101"], True)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.05)
    view, _ = live_view
    browser = portal.create_app(config, view).test_client()
    log_in_client(browser, "101", "Passw0rd101")
    return browser, view, lambda: set_portal_access(domain, ["101"], False)


def test_a_stream_ends_with_logout_once_access_is_withdrawn(in_process):
    browser, view, withdraw = in_process
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b"event: extensions" in next(chunks)
    assert next(chunks) == b": keep-alive\n\n"
    withdraw()
    assert next(chunks).startswith(b"event: logout")
    assert next(chunks, None) is None and not view.hub.subscribers


def test_a_busy_stream_still_ends_when_access_is_withdrawn(in_process):
    """Messages keep coming faster than the check interval: the check runs anyway."""
    import gevent

    from switchctl.esl.notifications import StateChange

    browser, view, withdraw = in_process
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b"event: extensions" in next(chunks)
    withdraw()

    def chatter():
        while True:
            view.hub.publish("@pbx.local", StateChange("102@pbx.local", "idle"))
            gevent.sleep(0.005)

    talker = gevent.spawn(chatter)
    seen = []
    try:
        for chunk in chunks:  # ends when the stream does
            seen.append(chunk)
            if len(seen) > 1000:
                break
    finally:
        talker.kill()
    assert seen[-1].startswith(b"event: logout") and b"event: state" in seen[0]


def test_a_head_request_leaves_no_subscription_behind(in_process):
    browser, view, _ = in_process
    response = browser.head("/events")
    assert response.status_code == 200 and response.data == b""
    response.close()
    assert not view.hub.subscribers


def test_a_stream_that_falls_behind_starts_again_from_a_snapshot(in_process):
    from switchctl.esl.notifications import QUEUE_SIZE, StateChange

    browser, view, _ = in_process
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b"event: extensions" in next(chunks)
    for _ in range(QUEUE_SIZE + 1):  # more than the stream's queue holds, unread
        view.hub.publish("@pbx.local", StateChange("101@pbx.local", "in use"))
    resent = next(chunks)
    assert resent.startswith(b"event: extensions") and b'"101"' in resent
    assert next(chunks).startswith(b"event: state")


def test_an_extension_added_meanwhile_reaches_the_open_list(in_process, config):
    from switchctl.services.domains import find_domain
    from switchctl.services.extensions import add_extension

    browser, _, _ = in_process
    # The shared roster is read again every ROSTER_SECONDS (15): here every 0.2 s.
    browser.application.extensions["switchctl"].snapshots.roster_seconds = 0.2
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b'"106"' not in next(chunks)
    assert next(chunks) == b": keep-alive\n\n"  # nothing new: no snapshot
    add_extension(find_domain(config.domain), "106", "Frank", "Passw0rd106")
    fresh = next(chunk for chunk in chunks if chunk.startswith(b"event: extensions"))
    assert b'"number":"106","name":"Frank"' in fresh


def test_a_snapshot_missed_while_the_database_was_away_is_sent_once_it_is_back(monkeypatch):
    """Fell behind while the database was down: no snapshot then, one at the next check
    that can read it, none again while nothing changes."""
    from gevent.queue import Queue

    from switchctl.esl.notifications import Overflowed
    from switchctl.portal.extensions import stream

    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.01)
    queue = Queue()
    queue.put(Overflowed())
    answers = iter([(None, None), ("event: extensions\ndata: {}\n\n", [("101", "Alice")])])
    snapshots = []

    def snapshot():
        snapshots.append(1)
        return next(answers, ("event: extensions\ndata: {}\n\n", [("101", "Alice")]))

    sessions = iter(["unknown", "ok", "ok", "gone"])
    out = list(stream.follow(queue, lambda: next(sessions), snapshot, [("101", "Alice")]))
    assert [chunk.split("\n")[0] for chunk in out] == [
        ": keep-alive",  # the check after the failed snapshot: database away, nothing asked
        ": keep-alive", "event: extensions",  # back: the missed snapshot
        ": keep-alive",  # nothing changed since
        ": keep-alive", "event: logout"]
    assert len(snapshots) == 3


def test_a_login_holds_at_most_a_few_streams_and_gets_a_slot_back_when_one_closes(in_process):
    from switchctl.portal.extensions.stream import MAX_STREAMS

    browser, view, _ = in_process
    streams = [browser.get("/events", buffered=False) for _ in range(MAX_STREAMS)]
    assert [s.status_code for s in streams] == [200] * MAX_STREAMS
    refused = browser.get("/events")
    assert refused.status_code == 429 and b"too many" in refused.data
    streams.pop().close()
    again = browser.get("/events", buffered=False)
    assert again.status_code == 200
    for stream in streams + [again]:
        stream.close()


def test_the_switch_going_away_sends_every_state_as_unknown_and_back(in_process):
    """While the switch is away nothing is known of any phone; once it is back the
    snapshot shows what the resync found."""
    import json

    browser, view, _ = in_process
    chunks = iter(browser.get("/events", buffered=False).response)
    first = next(chunks).decode()
    assert '"state":"unavailable"' in first
    view.listener.online.clear()
    view.hub.publish("*", SwitchLink(False))
    link, snapshot = next(chunks).decode().split("\n\n", 1)
    assert link == 'event: switch\ndata: {"online":false}'
    data = json.loads(snapshot.split("data: ", 1)[1])
    assert data["online"] is False and {row["state"] for row in data["extensions"]} == {
        "unknown"}
    view.listener.online.set()
    view.hub.publish("*", SwitchLink(True))
    back = next(chunks).decode()
    assert '"online":true' in back and '"state":"unavailable"' in back
