"""What the wake-up tests share: a clock they move, a fake switch followed by a real
Listener, and reading the originate commands the ringer sent (back into the channel
variables FreeSWITCH would give the answered call)."""

import datetime
import re

import gevent
from gevent.queue import Queue

from switchctl.config import HostPort
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from tests.fakes.fake_switch import FakeSwitch

EMPTY = '{"row_count":0}'

ORIGINATE = re.compile(r"^bgapi originate \{(?P<variables>[^}]*)\}user/(?P<user>\S+) "
                       r"'&socket\(\$\{switchctl_socket\} async full\)'\Z")


class Clock:
    """Now, naive UTC, as the test sets it."""

    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)
        return self.now


def channel_of(command):
    """``(user, {variable: value})`` of a wake-up ``bgapi originate`` (AssertionError if the
    command is not one); ``uuid`` is the origination_uuid, as on the real channel."""
    found = ORIGINATE.match(command)
    assert found, command
    variables = dict(pair.split("=", 1) for pair in found["variables"].split(","))
    variables["uuid"] = variables["origination_uuid"]
    return found["user"], variables


class SlowSwitch(FakeSwitch):
    """A fake switch that takes ``delay`` seconds over each bgapi, as a busy one may."""

    delay = 0.0

    def _bgapi(self, sock, command):
        gevent.sleep(self.delay)
        super()._bgapi(sock, command)


def inbound_switch(port=0):
    return SlowSwitch(answers={"show registrations as json": EMPTY,
                               "show channels as json": EMPTY}, port=port).start()


class Link:
    """A Listener following a fake switch, and its link's changes as they come."""

    def __init__(self, switch):
        self.switch = switch
        self.listener = Listener(HostPort("127.0.0.1", switch.port), "ClueCon",
                                 ExtensionStates(), retry=0.05)
        self.changes = Queue()
        self.listener.link_observers.append(self.changes.put)
        self.runner = gevent.spawn(self.listener.run)
        assert self.changes.get(timeout=5) is True

    def stop(self):
        self.listener.stop()
        self.runner.join(timeout=5)


def originates(switch, call_id=None):
    sent = [c for c in switch.commands if c.startswith("bgapi originate")]
    if call_id is None:
        return sent
    return [c for c in sent if channel_of(c)[1]["switchctl_wakeup_call"] == str(call_id)]
