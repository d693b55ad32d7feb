"""The portal's live stream, end to end: the fake switch emits, ``switchctl serve`` (a
separate process) follows it, and a logged-in user's /events stream carries the news."""

import gevent
import pytest
import requests

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.services.contacts import add_contact
from switchctl.services.domains import find_domain
from tests.cli_helpers import demo_passwords, free_tcp_port, start_serve, switchctl
from tests.fake_switch import FakeSwitch
from tests.portal_helpers import log_in_http
from tests.sse_client import EventStream
from tests.test_listener import NO_ROWS, registered, unregistered
from tests.test_notifications import ringing


def log_in(base, number, password):
    """A requests session logged in; run in a thread so the fake switch keeps serving."""
    def work():
        session = requests.Session()
        log_in_http(session, base, number, password)
        return session.cookies.get_dict()
    return gevent.get_hub().threadpool.apply(work)


@pytest.fixture
def office(tmp_path):
    """``switchctl serve`` on the demo office, following a fake switch."""
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(tmp_path)}).database)
    with db.connection_context():
        add_contact(find_domain("pbx.local"), "ACME Sales", "13800000000")
    db.close()
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS}).start()
    port = free_tcp_port()
    process = start_serve(tmp_path, f"127.0.0.1:{port}",
                          SWITCHCTL_ESL=f"127.0.0.1:{switch.port}")
    switch.wait_for_command("api show channels as json")
    streams = []

    def open_stream(number):
        cookies = log_in(f"http://127.0.0.1:{port}", number, demo_passwords(init.stdout)[number])
        stream = EventStream("127.0.0.1", port, cookies=cookies)
        streams.append(stream)
        return stream

    yield switch, open_stream, port
    for stream in streams:
        stream.close()
    process.kill()
    process.wait()
    switch.stop()


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


def test_a_stream_ends_with_logout_once_access_is_withdrawn(config, live_view, monkeypatch):
    """In-process: keep-alives come quickly here, and each re-checks the session."""
    import portal
    from portal import live as live_pages
    from switchctl.services.domains import ensure_domain, set_portal_enabled
    from switchctl.services.extensions import add_extension, set_portal_access
    from tests.portal_helpers import log_in as log_in_client

    domain = ensure_domain(config.domain)
    add_extension(domain, "101", "Alice", "Passw0rd101")
    set_portal_enabled(domain, True)
    set_portal_access(domain, ["101"], True)
    monkeypatch.setattr(live_pages, "KEEPALIVE_SECONDS", 0.05)
    view, _ = live_view
    browser = portal.create_app(config, view).test_client()
    log_in_client(browser, "101", "Passw0rd101")
    chunks = iter(browser.get("/events", buffered=False).response)
    assert b"event: extensions" in next(chunks)
    assert next(chunks) == b": keep-alive\n\n"
    set_portal_access(domain, ["101"], False)
    assert next(chunks).startswith(b"event: logout")
    assert next(chunks, None) is None and not view.hub.subscribers.get("101@pbx.local")
