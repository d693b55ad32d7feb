"""The event-socket half against the real switch: a call flow over an outbound socket,
extension states through a real call, and a resync after a cut connection."""

import json
import os
import socket
import time
import urllib.request

import gevent
import pytest
from gevent.event import Event

from switchctl import config as config_module
from switchctl import schema
from switchctl.config import HostPort
from switchctl.db import open_database
from switchctl.service import build_live
from switchctl.esl.outbound import OutboundServer
from switchctl.freeswitch.commands import socket_data
from switchctl.esl.session import CallerHungUp
from tests.integration.conftest import api
from tests.integration.sip_phones import (
    TIMEOUT,
    answering_phone,
    calling,
    free_udp_port,
    register,
)

pytestmark = pytest.mark.integration


class Recorder:
    """Flows for the real switch; what they saw lands in ``self.seen``."""

    def __init__(self):
        self.seen = []
        self.collecting = Event()

    def read_back(self, call):
        recorder = self

        class ReadBack:
            def run(self):
                call.answer()
                recorder.collecting.set()
                digit = call.collect_digits("silence_stream://4000", "silence_stream://100",
                                            timeout_ms=6000)
                recorder.seen.append(("digit", digit))
                call.say(digit or "0")

        return ReadBack()

    def long_play(self, call):
        recorder = self

        class LongPlay:
            def run(self):
                call.answer()
                recorder.collecting.set()
                try:
                    call.play("silence_stream://20000")
                except CallerHungUp:
                    recorder.seen.append(("hung up",))
                    raise
                recorder.seen.append(("played to the end",))

        return LongPlay()


@pytest.fixture
def flows():
    recorder = Recorder()
    server = OutboundServer(HostPort("127.0.0.1", 0), {
        "read_back": recorder.read_back, "long_play": recorder.long_play}).start()
    yield recorder, server
    server.stop()


def exit_code(process, timeout=30):
    """Wait for a subprocess without blocking gevent (our flows run in this process)."""
    with gevent.Timeout(timeout):
        while process.poll() is None:
            gevent.sleep(0.05)
    return process.returncode


def place_call(esl, server, flow):
    """The switch calls a phone (at its address: other phones registered as the same
    user must not ring) and runs ``flow`` on the call through our outbound server."""
    port = free_udp_port()
    phone = answering_phone(port)
    uuid = f"switchctl-it-{time.monotonic_ns()}"
    target = socket_data(HostPort("127.0.0.1", server.port))
    reply = api(esl, f"originate {{origination_uuid={uuid},switchctl_flow={flow}}}"
                     f"sofia/internal/sip:105@127.0.0.1:{port} &socket('{target}')")
    assert reply.startswith("+OK"), reply
    return uuid, phone


def test_a_flow_answers_collects_a_digit_and_says_it_on_the_real_switch(esl, flows):
    recorder, server = flows
    uuid, phone = place_call(esl, server, "read_back")
    try:
        assert recorder.collecting.wait(timeout=10)
        gevent.sleep(0.5)  # play_and_get_digits is under way
        assert api(esl, f"uuid_recv_dtmf {uuid} 7").startswith("+OK")
        assert exit_code(phone) == 0  # the flow hung up: the phone got its BYE
    finally:
        if phone.poll() is None:
            phone.kill()
    assert recorder.seen == [("digit", "7")]


def test_the_caller_hanging_up_ends_the_flow_cleanly_on_the_real_switch(esl, flows):
    recorder, server = flows
    uuid, phone = place_call(esl, server, "long_play")
    try:
        assert recorder.collecting.wait(timeout=10)
        gevent.sleep(0.5)
        assert api(esl, f"uuid_kill {uuid}").startswith("+OK")
        with gevent.Timeout(10):
            while not recorder.seen:
                gevent.sleep(0.1)
    finally:
        exit_code(phone)
    assert recorder.seen == [("hung up",)]


def status(served):
    with urllib.request.urlopen(f"http://{served.switch}/status", timeout=5) as response:
        return json.load(response)


def settled_state(served, number, expected, seconds=5):
    """The extension's state once it is ``expected`` (or whatever it is after ``seconds``):
    events reach switchctl a little after sipp has finished."""
    deadline = time.monotonic() + seconds
    while (state := status(served)["extensions"][number]) != expected and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    return state


def test_an_extension_goes_idle_in_use_idle_unavailable_in_a_real_call(
        esl, served, sip_address):
    api(esl, "sofia profile internal flush_inbound_reg 102@pbx.local")  # earlier tests' phones
    seen = [settled_state(served, "102", "unavailable")]
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port)
    seen.append(settled_state(served, "102", "idle"))
    phone = answering_phone(port)
    caller = calling(sip_address, "101", served["101"], "102")
    deadline = time.monotonic() + TIMEOUT
    while caller.poll() is None and time.monotonic() < deadline:
        if (state := status(served)["extensions"]["102"]) != seen[-1]:
            seen.append(state)
        time.sleep(0.05)
    assert caller.wait(timeout=5) == 0 and phone.wait(timeout=30) == 0
    if seen[-1] != "idle":
        seen.append(settled_state(served, "102", "idle"))
    assert register(sip_address, "102", served["102"], port, expires=0)
    seen.append(settled_state(served, "102", "unavailable"))
    assert seen == ["unavailable", "idle", "in use", "idle", "unavailable"]


def test_a_cut_event_socket_resynchronises_from_the_real_switch(fs_address, served,
                                                                sip_address, tmp_path):
    """A listener of our own: it starts after 104 registered (resync finds it), then its
    socket is cut and 103 unregisters while nobody listens (resync must notice). Its
    database is an empty one: the served switchctl answers the phones' MWI queries."""
    port_104, port_103 = free_udp_port(), free_udp_port()
    assert register(sip_address, "104", served["104"], port_104)
    assert register(sip_address, "103", served["103"], port_103)
    settings = config_module.load({
        "SWITCHCTL_DATA": str(tmp_path), "SWITCHCTL_ESL": str(fs_address),
        "SWITCHCTL_ESL_PASSWORD": os.environ.get("SWITCHCTL_TEST_FS_PASSWORD", "ClueCon")})
    schema.upgrade(open_database(settings.database))
    view = build_live(settings)
    view.listener.retry = 3
    runner = gevent.spawn(view.listener.run)
    try:
        # In step and the connect hooks done: none still waits on the socket to be cut.
        assert view.listener.resynchronised.wait(timeout=10)
        assert view.states.state("104@pbx.local") == "idle"
        assert view.states.state("103@pbx.local") == "idle"
        view.listener._client.sock.shutdown(socket.SHUT_RDWR)  # the cut
        with gevent.Timeout(5):
            while view.listener.online.is_set():
                gevent.sleep(0.05)
        unregister = gevent.get_hub().threadpool.spawn(
            register, sip_address, "103", served["103"], port_103, 0)
        assert unregister.get(timeout=TIMEOUT + 5)
        assert view.listener.online.wait(timeout=10)
        assert view.listener.resyncs == 2
        assert view.states.state("103@pbx.local") == "unavailable"
        assert view.states.state("104@pbx.local") == "idle"
    finally:
        view.listener.stop()
        runner.kill()
        register(sip_address, "104", served["104"], port_104, expires=0)


def test_the_portal_stream_shows_a_real_registration(esl, served, sip_address):
    """A logged-in portal user's /events carries the state change a real REGISTER makes."""
    import requests

    from tests.clients.portal import log_in_http
    from tests.clients.sse import EventStream

    api(esl, "sofia profile internal flush_inbound_reg 105@pbx.local")
    assert settled_state(served, "105", "unavailable") == "unavailable"
    session = requests.Session()
    log_in_http(session, f"http://{served.http}", "101", served["101"])
    host, port = served.http.rsplit(":", 1)
    stream = EventStream(host, int(port), cookies=session.cookies.get_dict())
    phone_port = free_udp_port()
    try:
        snapshot = stream.next_named("extensions")
        assert snapshot["online"] is True
        assert {r["number"]: r["state"] for r in snapshot["extensions"]}["105"] == "unavailable"
        registering = gevent.get_hub().threadpool.spawn(
            register, sip_address, "105", served["105"], phone_port)
        with gevent.Timeout(TIMEOUT):
            while (change := stream.next_named("state"))["extension"] != "105":
                pass  # other extensions may change meanwhile
        assert change == {"extension": "105", "state": "idle"}
        assert registering.get(timeout=TIMEOUT + 5)
    finally:
        stream.close()
        register(sip_address, "105", served["105"], phone_port, expires=0)
