"""``switchctl serve`` on the demo office (its own process) following a fake switch:
what the portal's live tests run against."""

import contextlib
import dataclasses

import gevent
import requests

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.services.contacts import add_contact
from switchctl.services.domains import find_domain
from tests.clients.cli import demo_passwords, free_tcp_port, start_serve, switchctl
from tests.fakes.fake_switch import FakeSwitch
from tests.clients.portal import log_in_http
from tests.builders.esl import NO_ROWS


@dataclasses.dataclass
class LiveOffice:
    switch: FakeSwitch
    port: int
    passwords: dict  # demo extension -> password

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def log_in(self, number):
        """Session cookies of ``number`` logged in (in a thread: the fake switch, in this
        process's gevent hub, keeps serving meanwhile)."""
        def work():
            session = requests.Session()
            log_in_http(session, self.base, number, self.passwords[number])
            return session.cookies.get_dict()
        return gevent.get_hub().threadpool.apply(work)


@contextlib.contextmanager
def live_office(tmp_path):
    """The demo office plus a shared contact "ACME Sales" (13800000000)."""
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
    try:
        switch.wait_for_command("api show channels as json")
        yield LiveOffice(switch, port, demo_passwords(init.stdout))
    finally:
        process.kill()
        process.wait()
        switch.stop()
