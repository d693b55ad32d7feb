"""``switchctl serve`` on the demo office (its own process) following a fake switch:
what the portal's live tests run against."""

import contextlib
import dataclasses
import pathlib

import gevent
import requests

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.services.contacts import add_contact
from switchctl.services.domains import find_domain
from tests.builders.esl import NO_ROWS
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve
from tests.clients.cli import switchctl_here as switchctl
from tests.clients.portal import ADMIN, log_in_http, quick_account
from tests.fakes.fake_switch import FakeSwitch

DOMAIN = "pbx.local"


@dataclasses.dataclass
class LiveOffice:
    switch: FakeSwitch
    port: int
    passwords: dict  # demo extension -> password, and the admin account boss's
    folder: pathlib.Path  # its SWITCHCTL_DATA
    switch_http: int  # the port of the switch's endpoints (xml_curl)

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def xml_curl(self):
        return f"http://127.0.0.1:{self.switch_http}/xml_curl"

    @contextlib.contextmanager
    def database(self):
        """The office's database open in this process; yields its domain."""
        db = open_database(config_module.load({"SWITCHCTL_DATA": str(self.folder)}).database)
        try:
            with db.connection_context():
                yield find_domain(DOMAIN)
        finally:
            db.close()

    def log_in(self, number):
        """Session cookies of ``number`` logged in (in a thread: the fake switch, in this
        process's gevent hub, keeps serving meanwhile)."""
        def work():
            session = requests.Session()
            log_in_http(session, self.base, number, self.passwords[number])
            return session.cookies.get_dict()
        return gevent.get_hub().threadpool.apply(work)


@contextlib.contextmanager
def live_office(tmp_path, **settings):
    """The demo office plus a shared contact "ACME Sales" (13800000000) and the admin
    account boss (tests/clients/portal.ADMIN; a hash quick to check); ``settings``: more
    of serve's environment (SWITCHCTL_...)."""
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    db = open_database(config_module.load({"SWITCHCTL_DATA": str(tmp_path)}).database)
    with db.connection_context():
        add_contact(find_domain(DOMAIN), "ACME Sales", "13800000000")
        quick_account(find_domain(DOMAIN), ADMIN[0], "admin", ADMIN[1])
    db.close()
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS}).start()
    port, switch_http = free_tcp_port(), free_tcp_port()
    process = start_serve(tmp_path, f"127.0.0.1:{port}", SWITCHCTL_ESL=f"127.0.0.1:{switch.port}",
                          SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch_http}", **settings)
    try:
        caught_up(switch_http)
        passwords = {**demo_passwords(init.stdout), ADMIN[0]: ADMIN[1]}
        yield LiveOffice(switch, port, passwords, tmp_path, switch_http)
    finally:
        process.kill()
        process.wait()
        switch.stop()


def caught_up(switch_http, seconds=10):
    """Returns once serve's /status says its listener is resynchronised: the connect hooks'
    commands answered by the fake switch, in this process's hub, which must run meanwhile
    (a test that went on at once could block the hub in Chromium's calls past serve's
    command timeout: the listener then reconnects, and an event sent meanwhile is lost)."""
    deadline = gevent.get_hub().loop.now() + seconds
    while gevent.get_hub().loop.now() < deadline:
        try:
            status = requests.get(f"http://127.0.0.1:{switch_http}/status", timeout=2).json()
        except (requests.RequestException, ValueError):
            status = {}
        if status.get("resynchronised"):
            return
        gevent.sleep(0.05)
    raise AssertionError(f"switchctl serve never caught up with the fake switch: {status}")
