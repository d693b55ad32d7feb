"""What a portal client does to ``switchctl serve`` must not reach FreeSWITCH's lookups: a
real server process, real sockets, a low open-files limit as on many hosts."""

import socket
import time

import pytest
import requests
from lxml import etree

from tests.builders.captures import xml_curl_body
from tests.clients.cli import free_tcp_port, start_serve, switchctl

LOOKUP = xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user="102", domain="pbx.local",
                       key_value="pbx.local", sip_auth_username="102")


# The request line and headers' limit (header_seconds, 10 s by default) in the test of it.
HEADER_SECONDS = 2


def serving_low_limit(tmp_path, **settings):
    """serve started with an open-files limit of 300 that it cannot raise."""
    assert switchctl(tmp_path, "init", "--demo").returncode == 0
    portal, switch = f"127.0.0.1:{free_tcp_port()}", f"127.0.0.1:{free_tcp_port()}"
    process = start_serve(tmp_path, portal, files=(300, 300), SWITCHCTL_SWITCH_HTTP=switch,
                          **settings)
    yield portal, switch, process
    process.kill()
    process.wait()


@pytest.fixture
def low_limit_server(tmp_path):
    yield from serving_low_limit(tmp_path)


@pytest.fixture
def quick_header_limit_server(tmp_path):
    """The same with the header limit at HEADER_SECONDS."""
    yield from serving_low_limit(tmp_path, SWITCHCTL_HEADER_SECONDS=str(HEADER_SECONDS))


def lookup(switch):
    answer = requests.post(f"http://{switch}/xml_curl", data=LOOKUP, timeout=2, headers={
        "Content-Type": "application/x-www-form-urlencoded"})
    return etree.fromstring(answer.content).xpath("//user/@id")


def held_connections(address, count):
    """``count`` connections to ``address``, each holding an unfinished request."""
    host, port = address.split(":")
    held = []
    for _ in range(count):
        connection = socket.create_connection((host, int(port)), timeout=5)
        connection.sendall(b"GET /extensions HTTP/1.1\r\nHost: x\r\n")  # no end of headers
        held.append(connection)
    return held


def test_idle_portal_connections_leave_the_switch_its_lookups(low_limit_server):
    portal, switch, process = low_limit_server
    assert any("open files limit 300" in line for line in process.start_log)
    held = held_connections(portal, 320)  # more than the whole process may open
    try:
        # Every lookup answered within 2 s (FreeSWITCH gives up at 5 s).
        assert [lookup(switch) for _ in range(20)] == [["102"]] * 20
    finally:
        for connection in held:
            connection.close()
    assert requests.get(f"http://{portal}/login", timeout=5).ok  # the portal serves again


def test_the_open_files_limit_is_raised_to_what_the_system_allows(tmp_path):
    assert switchctl(tmp_path, "init").returncode == 0
    process = start_serve(tmp_path, f"127.0.0.1:{free_tcp_port()}", files=(256, 4096))
    try:
        assert any("open files limit 4096" in line for line in process.start_log)
    finally:
        process.kill()
        process.wait()


def test_a_client_that_never_finishes_its_headers_is_cut_off(quick_header_limit_server):
    portal, _, _ = quick_header_limit_server
    (connection,) = held_connections(portal, 1)
    connection.settimeout(HEADER_SECONDS + 10)
    started = time.monotonic()
    try:
        answer = connection.recv(4096)  # a 400, or the connection just closed
    finally:
        connection.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400")
    # Cut off by the limit set (the timer starts at the accept, before ``started``).
    assert HEADER_SECONDS - 0.5 < time.monotonic() - started < HEADER_SECONDS + 5
