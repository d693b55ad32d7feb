"""The wake-up ringer: places each wake-up call when it falls due (``switchctl serve``
runs one; several instances on one database share the work without ringing a call twice).

On every whole second (the table keeps times to the second) a tick asks the database for
what is due (switchctl.services.wakeup: one indexed query), acts on it in one transaction
(claims, missed calls, unanswered calls taken back) and then, outside the transaction,
sends each claimed call's ``bgapi originate`` on the inbound event socket. The answered
call comes back through the outbound socket to the wake-up flow (switchctl.ivr.wakeup_call).

While the switch is away nothing is claimed; a call whose command could not be sent is
given back, due as before, so nothing is lost. A database error is logged and survived:
the next tick tries again.
"""

import logging
import os
import socket
import time
import uuid

from gevent.event import Event

from switchctl.db import database_guard
from switchctl.freeswitch.commands import wakeup_originate
from switchctl.services import wakeup

log = logging.getLogger(__name__)
BATCH = 500  # rows per query; a tick goes on while full batches come
MAX_ROUNDS = 100  # batches per tick at most (50,000 calls), so a tick always ends


def instance_name():
    """This process, as ``claimed_by`` names it: host, pid and a random part."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class WakeupRinger:
    def __init__(self, listener, clock=wakeup.utc_now, instance=None, batch=BATCH):
        self.listener = listener  # send(command) -> False while the switch is away
        self.clock = clock  # now, naive UTC
        self.instance = instance or instance_name()
        self.batch = batch
        self.placed = 0  # calls placed since start
        self._stopped = Event()
        self._problem = None  # what failed last, while it fails

    def run(self):
        """Tick on every whole second until stop()."""
        self.survive(wakeup.adopt_old_rows)
        while not self._stopped.wait(1.0 - time.time() % 1.0 + 0.001):
            self.survive(self.tick)

    def survive(self, work):
        """Run ``work``; a failure (the database away, or a bug) is logged once while it
        repeats, and its end once: the next second tries again."""
        try:
            with database_guard() as failed:  # drops the connection: the next one is new
                work()
        except Exception as exc:  # a bug must not end the wake-up calls for good
            self._failed(f"{type(exc).__name__}: {exc}", exc)
            return
        if failed:
            self._failed(f"database error ({failed.error})")
        elif self._problem is not None:
            log.warning("wake-up calls: working again after %s", self._problem)
            self._problem = None

    def _failed(self, problem, exc=None):
        if problem != self._problem:
            log.error("wake-up calls: %s; trying again every second", problem, exc_info=exc)
        self._problem = problem

    def stop(self):
        self._stopped.set()

    def tick(self):
        """Place what is due now; returns how many calls were placed."""
        placed = 0
        for _ in range(MAX_ROUNDS):
            if not self.listener.online.is_set():
                break
            now = self.clock()
            rows = wakeup.due(now, self.batch)
            if not rows:
                break
            sent, complete = self._place(wakeup.claim(rows, now, self.instance))
            placed += sent
            if not complete or len(rows) < self.batch:
                break
        if placed:
            log.info("wake-up calls: %s placed", placed)
        self.placed += placed
        return placed

    def _place(self, claimed):
        """``(calls sent, all sent)``; from the first that cannot be sent, every call
        left is given back."""
        for index, call in enumerate(claimed):
            command = wakeup_originate(call.uuid, call.id, call.number, call.domain_name,
                                       call.ring_seconds)
            if not self.listener.send(command):
                log.warning("wake-up calls: the switch is away; %s call(s) wait for it",
                            len(claimed) - index)
                wakeup.release(claimed[index:])
                return index, False
            log.debug("wake-up call %s: ringing %s@%s", call.id, call.number, call.domain_name)
        return len(claimed), True
