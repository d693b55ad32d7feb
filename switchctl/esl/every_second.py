"""What the once-a-second workers of ``switchctl serve`` share (the wake-up ringer, the fax
sender): a name for the instance in the database's claims, a tick on every whole second
(the tables keep times to the second), and surviving a failed tick: the database away, or a
bug, is logged once while it repeats and its end once, and the next second tries again."""

import logging
import os
import socket
import time
import uuid

from gevent.event import Event

from switchctl.db import database_guard


def instance_name():
    """This process, as ``claimed_by`` names it: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class EverySecond:
    """A worker that ticks each second until ``stop()``; ``what`` names it in the log."""

    what = "work"

    def __init__(self):
        self._stopped = Event()
        self._problem = None  # what failed last, while it fails

    def every_second(self, work):
        """Run ``work`` (surviving it) on every whole second until stop()."""
        while not self._stopped.wait(1.0 - time.time() % 1.0 + 0.001):
            self.survive(work)

    def stop(self):
        self._stopped.set()

    def survive(self, work):
        """Run ``work``; a failure (the database away, or a bug) is logged once while it
        repeats, and its end once: the next second tries again."""
        try:
            with database_guard() as failed:  # drops the connection: the next one is new
                work()
        except Exception as exc:  # a bug must not end the work for good
            self._failed(f"{type(exc).__name__}: {exc}", exc)
            return
        if failed:
            self._failed(f"database error ({failed.error})")
        elif self._problem is not None:
            logging.getLogger(type(self).__module__).warning(
                "%s: working again after %s", self.what, self._problem)
            self._problem = None

    def _failed(self, problem, exc=None):
        if problem != self._problem:
            logging.getLogger(type(self).__module__).error(
                "%s: %s; trying again every second", self.what, problem, exc_info=exc)
        self._problem = problem
