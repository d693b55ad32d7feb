"""``switchctl serve`` as FreeSWITCH meets it: a separate process on a real socket."""

import re
import signal
import socket
import sys

import gevent

import pytest
import requests
from lxml import etree

from tests.builders.captures import xml_curl_body
from tests.clients.cli import cli_env, demo_passwords, start_serve
from tests.clients.cli import switchctl_here as switchctl
from tests.clients.cli import free_tcp_port as free_port


@pytest.fixture(params=["sqlite", "postgres"])
def served(tmp_path, request):
    """``switchctl serve`` on the demo office, on an SQLite file or a PostgreSQL URL."""
    database = {}
    if request.param == "postgres":
        server = request.getfixturevalue("postgres")
        server.empty()
        database = {"SWITCHCTL_DATABASE": server.url}
    init = switchctl(tmp_path, "init", "--demo", **database)
    assert init.returncode == 0, init.stderr
    passwords = demo_passwords(init.stdout)
    switch = f"127.0.0.1:{free_port()}"
    process = start_serve(tmp_path, f"127.0.0.1:{free_port()}", SWITCHCTL_SWITCH_HTTP=switch,
                          **database)
    yield f"http://{switch}", passwords, process
    if process.poll() is None:
        process.kill()
        process.wait()


def test_serve_answers_a_captured_register_lookup_over_http(served):
    url, passwords, _ = served
    body = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user="102", domain="pbx.local",
                         key_value="pbx.local", sip_auth_username="102")
    response = requests.post(f"{url}/xml_curl", data=body, timeout=5, headers={
        "Content-Type": "application/x-www-form-urlencoded", "User-Agent": "freeswitch-xml/1.0"})
    assert response.status_code == 200
    root = etree.fromstring(response.content)
    assert root.xpath("//user/@id") == ["102"]
    assert sorted(passwords) == ["101", "102", "103", "104", "105"]
    assert all(len(p) == 16 for p in passwords.values())


def test_serve_stops_cleanly_on_sigterm(served):
    url, _, process = served
    assert requests.get(f"{url}/healthz", timeout=5).text == "ok\n"
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert "Traceback" not in process.stderr.read()


def test_serve_refuses_a_database_that_needs_init(tmp_path):
    result = switchctl(tmp_path, "serve", SWITCHCTL_HTTP=f"127.0.0.1:{free_port()}")
    assert result.returncode == 1
    assert "run 'switchctl init'" in result.stderr and "Traceback" not in result.stderr


def test_serve_reports_a_busy_port_in_one_line(tmp_path):
    switchctl(tmp_path, "init")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = switchctl(tmp_path, "serve", SWITCHCTL_HTTP=f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert "Address already in use" in result.stderr and "Traceback" not in result.stderr


def test_status_shows_the_switch_and_live_extension_states(tmp_path):
    """serve follows a (fake) switch over the event socket; `switchctl status` reads its view."""
    from gevent import subprocess as green

    from tests.fakes.fake_switch import FakeSwitch
    from tests.builders.esl import NO_ROWS, registered

    switch_ = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                  "show channels as json": NO_ROWS}).start()
    assert switchctl(tmp_path, "init", "--demo").returncode == 0
    http, switch_http = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    process = start_serve(tmp_path, http, SWITCHCTL_ESL=f"127.0.0.1:{switch_.port}",
                          SWITCHCTL_SWITCH_HTTP=switch_http)
    try:
        switch_.wait_for_command("api verto xmlstatus")  # the last table the resync reads
        switch_.emit(registered("102", "sip:102@10.0.0.7:5060"))

        def status_until(expected):
            """`switchctl status` once the other process has caught up (bounded)."""
            for _ in range(50):
                shown = green.run([sys.executable, "-m", "switchctl", "status"],
                                  capture_output=True, text=True, timeout=30,
                                  env=cli_env(tmp_path, SWITCHCTL_HTTP=http,
                                              SWITCHCTL_SWITCH_HTTP=switch_http)).stdout
                if expected in shown and "still reading" not in shown:
                    return shown
                gevent.sleep(0.1)
            return shown

        shown = status_until("102\tidle")
        assert shown.splitlines()[:3] == ["switch: connected", "101\tunavailable", "102\tidle"]
        switch_.stop()
        shown = status_until("offline").splitlines()
        # Nothing is known of any phone while the switch is away: not "idle".
        assert re.fullmatch(r"switch: offline since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d",
                            shown[0]), shown
        assert shown[1:3] == ["101\tunknown", "102\tunknown"]
    finally:
        process.kill()
        process.wait()
        switch_.stop()


def test_status_without_a_running_service_is_one_line(tmp_path):
    switchctl(tmp_path, "init")
    result = switchctl(tmp_path, "status", SWITCHCTL_HTTP=f"127.0.0.1:{free_port()}",
                       SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{free_port()}")
    assert result.returncode == 1 and "does not answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_switch_endpoints_can_have_a_port_of_their_own(tmp_path):
    """SWITCHCTL_SWITCH_HTTP: xml_curl, CDRs and status there; the portal port has none."""
    assert switchctl(tmp_path, "init", "--demo").returncode == 0
    portal_port, switch_port = free_port(), free_port()
    process = start_serve(tmp_path, f"127.0.0.1:{portal_port}",
                          SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch_port}")
    try:
        body = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user="102",
                             domain="pbx.local", key_value="pbx.local", sip_auth_username="102")
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        on_switch = requests.post(f"http://127.0.0.1:{switch_port}/xml_curl", data=body,
                                  headers=headers, timeout=5)
        assert etree.fromstring(on_switch.content).xpath("//user/@id") == ["102"]
        on_portal = requests.post(f"http://127.0.0.1:{portal_port}/xml_curl", data=body,
                                  headers=headers, timeout=5)
        assert on_portal.status_code == 404 and b"a1-hash" not in on_portal.content
        assert requests.get(f"http://127.0.0.1:{portal_port}/login", timeout=5).ok
        assert requests.get(f"http://127.0.0.1:{switch_port}/login", timeout=5).status_code == 404
        status = switchctl(tmp_path, "status", SWITCHCTL_HTTP=f"127.0.0.1:{portal_port}",
                           SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch_port}")
        assert status.returncode == 0 and status.stdout.startswith("switch: ")
    finally:
        process.kill()
        process.wait()


def test_the_switch_endpoints_may_share_the_portal_port_when_told(tmp_path):
    """SWITCHCTL_SWITCH_HTTP empty: one port serves both, as before the split."""
    assert switchctl(tmp_path, "init", "--demo").returncode == 0
    http = f"127.0.0.1:{free_port()}"
    process = start_serve(tmp_path, http, SWITCHCTL_SWITCH_HTTP="")
    try:
        body = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user="102",
                             domain="pbx.local", key_value="pbx.local", sip_auth_username="102")
        answer = requests.post(f"http://{http}/xml_curl", data=body, timeout=5,
                               headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert etree.fromstring(answer.content).xpath("//user/@id") == ["102"]
        assert requests.get(f"http://{http}/login", timeout=5).ok
    finally:
        process.kill()
        process.wait()
