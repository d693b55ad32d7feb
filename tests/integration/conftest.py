"""The integration tier: a real FreeSWITCH run with freeswitch-conf/, when one is reachable.

Environment:
- SWITCHCTL_TEST_FS_ESL       host:port of its event socket (e.g. 127.0.0.1:8021)
- SWITCHCTL_TEST_FS_PASSWORD  its ESL password (freeswitch-conf default: ClueCon)
- SWITCHCTL_TEST_HTTP         where that FreeSWITCH's xml_curl posts (its vars.xml
                              switchctl_url; default 127.0.0.1:8080): the tests start
                              ``switchctl serve`` there on a fresh database.
- SWITCHCTL_TEST_FS_SIP       host:port of its internal SIP profile, for the tests that
                              register phones and call with sipp (run that FreeSWITCH
                              with bind_ip=127.0.0.1 in vars.xml to keep SIP on loopback).
Without SWITCHCTL_TEST_FS_ESL, or when nothing answers there, every test here is
skipped and the reason is printed in the summary; likewise the SIP tests without
SWITCHCTL_TEST_FS_SIP or sipp (Debian package sip-tester).
"""

import dataclasses
import os
import shutil
import socket
import sqlite3
from pathlib import Path

import gevent
import pytest
from greenswitch import InboundESL

from switchctl.config import parse_host_port
from tests.cli_helpers import demo_passwords, start_serve, switchctl

ESL_TIMEOUT = 5


def _reachable(address):
    try:
        with socket.create_connection((address.host, address.port), timeout=2):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def fs_address():
    raw = os.environ.get("SWITCHCTL_TEST_FS_ESL", "")
    if not raw:
        pytest.skip("no real FreeSWITCH: set SWITCHCTL_TEST_FS_ESL=host:port (see README)")
    address = parse_host_port(raw, "SWITCHCTL_TEST_FS_ESL")
    if not _reachable(address):
        pytest.skip(f"no FreeSWITCH event socket answers at {raw}")
    return address


@dataclasses.dataclass(frozen=True)
class Served:
    data: Path
    passwords: dict
    http: str

    def __getitem__(self, number):
        return self.passwords[number]

    def rows(self, sql, *params):
        """Rows of a query on the served database (read-only)."""
        connection = sqlite3.connect(f"file:{self.data / 'switchctl.sqlite3'}?mode=ro", uri=True)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


@pytest.fixture(scope="session")
def served(fs_address, tmp_path_factory):
    """``switchctl serve`` with the demo office where the real FreeSWITCH posts; yields
    a Served (``served["101"]`` is 101's password)."""
    data = tmp_path_factory.mktemp("integration")
    http = os.environ.get("SWITCHCTL_TEST_HTTP", "127.0.0.1:8080")
    init = switchctl(data, "init", "--demo")
    assert init.returncode == 0, init.stderr
    passwords = demo_passwords(init.stdout)
    process = start_serve(data, http)
    yield Served(data, passwords, http)
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def esl(fs_address):
    client = InboundESL(host=fs_address.host, port=fs_address.port,
                        password=os.environ.get("SWITCHCTL_TEST_FS_PASSWORD", "ClueCon"))
    with gevent.Timeout(ESL_TIMEOUT):
        client.connect()
    yield client
    client.stop()


@pytest.fixture(scope="session")
def sip_address(fs_address):
    raw = os.environ.get("SWITCHCTL_TEST_FS_SIP", "")
    if not raw:
        pytest.skip("no SIP address: set SWITCHCTL_TEST_FS_SIP=host:port (see README)")
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (Debian package sip-tester)")
    return parse_host_port(raw, "SWITCHCTL_TEST_FS_SIP")


def api(client, command):
    """The body of ``api <command>`` (greenswitch's send() has no timeout of its own)."""
    with gevent.Timeout(ESL_TIMEOUT):
        return client.send(f"api {command}").data.strip()
