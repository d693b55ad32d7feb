"""A second switchctl instance for the wake-up tests: its own process, its own database
connection, its own event socket to the test's fake switch, ringing the due calls.

``python -m tests.servers.wakeup_instance DATABASE_URL ESL_PORT NOW`` prints ``ready``
once its link to the switch is up, waits for a line on standard input, rings what is due
at NOW (ISO, naive UTC) in batches of 10 until nothing is left for it, then prints how
many calls it placed.
"""

import datetime
import sys

import gevent

from switchctl.config import HostPort
from switchctl.db import open_database
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from switchctl.esl.wakeup_ringer import WakeupRinger


def main(url, port, now):
    moment = datetime.datetime.fromisoformat(now)
    database = open_database(url)
    listener = Listener(HostPort("127.0.0.1", int(port)), "ClueCon", ExtensionStates())
    follower = gevent.spawn(listener.run)
    if not listener.online.wait(timeout=10):
        raise SystemExit("no link to the switch")
    print("ready", flush=True)
    sys.stdin.readline()
    ringer = WakeupRinger(listener, clock=lambda: moment, instance="there", batch=10)
    with database.connection_context():
        while ringer.tick():
            pass
    print(ringer.placed, flush=True)
    listener.stop()
    follower.join(timeout=5)


if __name__ == "__main__":
    main(*sys.argv[1:])
