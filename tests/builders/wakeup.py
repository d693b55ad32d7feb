"""What the wake-up tests share: a clock they move, and reading the originate command the
ringer sent back into the channel variables FreeSWITCH would give the answered call."""

import datetime
import re

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
