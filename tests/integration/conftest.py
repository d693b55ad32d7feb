"""The integration tier: a real FreeSWITCH run with freeswitch-conf/.

By default the session starts its own (tests/servers/freeswitch.py: the binary named by
SWITCHCTL_TEST_FREESWITCH, else /opt/freeswitch/bin/freeswitch, as
../shared/freeswitch/install.sh installs it) on free loopback ports, and ``switchctl
serve`` where that switch posts. Without a binary every test here is skipped with the
reason; a binary that fails to start fails them, with FreeSWITCH's log lines.

To use a FreeSWITCH of your own instead, set:
- SWITCHCTL_TEST_FS_ESL       host:port of its event socket (e.g. 127.0.0.1:8021)
- SWITCHCTL_TEST_FS_PASSWORD  its ESL password (freeswitch-conf default: ClueCon)
- SWITCHCTL_TEST_HTTP         where that FreeSWITCH's xml_curl posts (its vars.xml
                              switchctl_url; default 127.0.0.1:8085): the tests start
                              ``switchctl serve`` there (SWITCHCTL_SWITCH_HTTP) on a fresh
                              database, its portal on a free port.
- SWITCHCTL_TEST_FS_SIP       host:port of its internal SIP profile, for the tests that
                              register phones and call with sipp (run that FreeSWITCH
                              with bind_ip=127.0.0.1 in vars.xml to keep SIP on loopback).
When nothing answers at SWITCHCTL_TEST_FS_ESL, every test here is skipped and the
reason is printed in the summary; likewise the SIP tests without sipp (Debian package
sip-tester), or with a switch of your own but no SWITCHCTL_TEST_FS_SIP.
"""

import contextlib
import dataclasses
import os
import shutil
import socket
import sqlite3
import tempfile
import threading
import warnings
from pathlib import Path

import gevent
import pytest
from greenswitch import InboundESL

from switchctl.config import HostPort, parse_host_port
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve, switchctl

ESL_TIMEOUT = 5


def _reachable(address):
    try:
        with socket.create_connection((address.host, address.port), timeout=2):
            return True
    except OSError:
        return False


def _own_switch():
    """Is this session to start its own FreeSWITCH (no SWITCHCTL_TEST_FS_ESL given)?"""
    return not os.environ.get("SWITCHCTL_TEST_FS_ESL", "")


_running = []  # the switch started for the tier, for the failure reports below
LOG_START = pytest.StashKey[int]()  # where a test's part of the switch's log begins


@pytest.fixture(scope="package")
def freeswitch():
    """The FreeSWITCH started for this tier (tests/servers/freeswitch.py), or None when
    SWITCHCTL_TEST_FS_ESL names someone's own. Its random ESL password is published as
    SWITCHCTL_TEST_FS_PASSWORD while the tier runs, where the tests read it. Package
    scope: it stops when the tier's last test is done, not at the end of the session."""
    if not _own_switch():
        yield None
        return
    from tests.servers.freeswitch import FreeswitchServer

    server = FreeswitchServer()
    if server.missing:
        pytest.skip(f"no real FreeSWITCH: {server.missing}")
    _ahead_of_the_cpu_bound_tests()
    failure = None
    try:
        server.start()
    except RuntimeError as error:
        failure = str(error)
    if failure:
        pytest.fail(f"the test FreeSWITCH did not start: {failure}", pytrace=False)
    _running.append(server)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SWITCHCTL_TEST_FS_PASSWORD", server.password)
        yield server
    _running.remove(server)
    try:
        if left := server.channels():
            warnings.warn(f"the test FreeSWITCH still had {len(left)} channel(s) at the end of "
                          f"the tier (its stop then waits for them): {', '.join(left)}",
                          stacklevel=1)
    except (OSError, ValueError) as error:
        warnings.warn(f"the test FreeSWITCH did not list its channels: {error}", stacklevel=1)
    server.stop(wait=False)  # the session's exit waits for it (atexit)


PRIORITY = -10  # the tier's niceness, where it may be raised (root)


def _ahead_of_the_cpu_bound_tests():
    """Give this process (and so the switch, ``switchctl serve`` and the sipp phones it
    starts) the CPU before the other xdist workers: their tests keep both cores busy,
    while this tier mostly waits on calls whose timers (digit timeouts, prompts, a
    phone's 7 s of speech) are real time. Only root may; others run as they are."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, min(os.getpriority(os.PRIO_PROCESS, 0), PRIORITY))
    except OSError:
        pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test against the session's own switch carries what FreeSWITCH logged
    meanwhile (its notices and worse: the debug lines are in its log file)."""
    if call.when == "setup" and _running:
        item.stash[LOG_START] = _running[0].log_size()
    outcome = yield
    report = outcome.get_result()
    if report.failed and _running:
        server = _running[0]
        lines = server.log_lines(since=item.stash.get(LOG_START, 0), limit=60,
                                 levels={"NOTICE", "WARNING", "ERR", "CRIT", "ALERT"})
        report.sections.append(("FreeSWITCH log (notices and worse, this test)",
                                "\n".join(lines) or "(nothing)"))


@pytest.fixture(scope="package")
def fs_address(freeswitch):
    if freeswitch is not None:
        return HostPort("127.0.0.1", freeswitch.esl_port)
    raw = os.environ["SWITCHCTL_TEST_FS_ESL"]
    address = parse_host_port(raw, "SWITCHCTL_TEST_FS_ESL")
    if not _reachable(address):
        pytest.skip(f"no FreeSWITCH event socket answers at {raw}")
    return address


@dataclasses.dataclass(frozen=True)
class Served:
    data: Path
    passwords: dict
    http: str  # the portal
    switch: str  # the switch's endpoints: /xml_curl, /cdr, /status
    process: "ServeProcess"
    outbound: str = ""  # SWITCHCTL_OUTBOUND: serve's call-flow server, as the switch dials it
    media: Path = None  # SWITCHCTL_MEDIA: where switchctl finds what the switch recorded
    switch_media: str = ""  # SWITCHCTL_SWITCH_MEDIA: that folder as the switch is told it

    def __getitem__(self, number):
        return self.passwords[number]

    @contextlib.contextmanager
    def stopped(self):
        """switchctl serve stopped for the block (FreeSWITCH's lookups and posts fail
        meanwhile), then started again on the same data and ports."""
        self.process.stop()
        try:
            yield
        finally:
            self.process.start()

    def rows(self, sql, *params):
        """Rows of a query on the served database (read-only)."""
        connection = sqlite3.connect(f"file:{self.data / 'switchctl.sqlite3'}?mode=ro", uri=True)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()


def fs_password():
    return os.environ.get("SWITCHCTL_TEST_FS_PASSWORD", "ClueCon")


def _drain(stream, path):
    """Keep ``switchctl serve``'s standard error flowing (a full pipe would stall it)."""
    with open(path, "a") as log:
        for line in stream:
            log.write(line)
            log.flush()


class ServeProcess:
    """The session's ``switchctl serve``, which a test may stop and start again; every run
    logs to ``serve.log`` beside its data."""

    def __init__(self, data, http, **extra):
        self.data, self.http, self.extra = data, http, extra
        self.process = self.drain = None

    def start(self):
        self.process = start_serve(self.data, self.http, **self.extra)
        with open(self.data / "serve.log", "a") as log:
            log.write("".join(self.process.start_log))
        self.drain = threading.Thread(target=_drain, daemon=True,
                                      args=(self.process.stderr, self.data / "serve.log"))
        self.drain.start()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)
        self.drain.join(timeout=5)


@pytest.fixture(scope="package")
def served(freeswitch, fs_address, tmp_path_factory):
    """``switchctl serve`` with the demo office, its switch endpoints where the real
    FreeSWITCH posts, following its event socket; yields a Served (``served["101"]`` is
    101's password). Its log is ``serve.log`` beside its data."""
    data = tmp_path_factory.mktemp("integration")
    extra = {"SWITCHCTL_ESL": str(fs_address), "SWITCHCTL_ESL_PASSWORD": fs_password()}
    if freeswitch is not None:
        http, switch = freeswitch.http, freeswitch.switch_http  # switch: its switchctl_url
        extra["SWITCHCTL_OUTBOUND"] = freeswitch.outbound
        # Its err-log-dir ($${log_dir}/xml_cdr): the records it could not post come back.
        extra["SWITCHCTL_CDR_SPOOL"] = str(freeswitch.log_path.parent / "xml_cdr")
        # Voicemail: a folder the switch records into, named to it by another path.
        extra["SWITCHCTL_MEDIA"] = str(freeswitch.media)
        extra["SWITCHCTL_SWITCH_MEDIA"] = freeswitch.switch_media
        # The web phone's browser reaches its Verto profile here.
        extra["SWITCHCTL_VERTO_URL"] = f"ws://127.0.0.1:{freeswitch.ports['verto']}"
    else:
        http = f"127.0.0.1:{free_tcp_port()}"
        switch = os.environ.get("SWITCHCTL_TEST_HTTP", "127.0.0.1:8085")
        # A switch of your own runs as some user of this host: it may write here (pytest's
        # own folders are 0700).
        media = Path(tempfile.mkdtemp(prefix="switchctl-media-"))
        media.chmod(0o777)
        extra["SWITCHCTL_MEDIA"] = str(media)
    init = switchctl(data, "init", "--demo")
    assert init.returncode == 0, init.stderr
    passwords = demo_passwords(init.stdout)
    process = ServeProcess(data, http, SWITCHCTL_SWITCH_HTTP=switch, **extra)
    process.start()
    yield Served(data, passwords, http, switch, process, extra.get("SWITCHCTL_OUTBOUND", ""),
                 Path(extra["SWITCHCTL_MEDIA"]),
                 extra.get("SWITCHCTL_SWITCH_MEDIA", extra["SWITCHCTL_MEDIA"]))
    process.stop()
    if freeswitch is None:
        shutil.rmtree(extra["SWITCHCTL_MEDIA"], ignore_errors=True)


@pytest.fixture(autouse=True)
def no_call_left_over(freeswitch):
    """Each test starts on a switch with no channels: a call of the test before still
    hanging up (its phone slow to answer the BYE on a busy machine) is waited for, then
    hung up, so that this test's "leg of 101" or "the two bridged legs" is not one of
    them (a conference test once sent its PIN to the leg of 101 that was going away)."""
    if freeswitch is not None:
        freeswitch.hang_up_left_over()


@pytest.fixture
def esl(fs_address):
    client = InboundESL(host=fs_address.host, port=fs_address.port, password=fs_password())
    with gevent.Timeout(ESL_TIMEOUT):
        client.connect()
    yield client
    client.stop()


@pytest.fixture(scope="package")
def sip_address(freeswitch, fs_address):
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (Debian package sip-tester)")
    if freeswitch is not None:
        return parse_host_port(freeswitch.sip, "its internal profile")
    raw = os.environ.get("SWITCHCTL_TEST_FS_SIP", "")
    if not raw:
        pytest.skip("no SIP address: set SWITCHCTL_TEST_FS_SIP=host:port (see README)")
    return parse_host_port(raw, "SWITCHCTL_TEST_FS_SIP")


def api(client, command):
    """The body of ``api <command>`` (greenswitch's send() has no timeout of its own)."""
    with gevent.Timeout(ESL_TIMEOUT):
        return client.send(f"api {command}").data.strip()


# A call between two phones of the office, for every module of this tier that acts on a
# call in progress (defined apart: it uses the helpers above).
from tests.integration.office_calls import office_call  # noqa: E402,F401
