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

from switchctl.esl.every_second import EverySecond, instance_name
from switchctl.freeswitch.commands import wakeup_originate
from switchctl.services import wakeup

log = logging.getLogger(__name__)
BATCH = 500  # rows per query; a tick goes on while full batches come
MAX_ROUNDS = 100  # batches per tick at most (50,000 calls), so a tick always ends


class WakeupRinger(EverySecond):
    what = "wake-up calls"

    def __init__(self, listener, clock=wakeup.utc_now, instance=None, batch=BATCH):
        super().__init__()
        self.listener = listener  # send(command) -> False while the switch is away
        self.clock = clock  # now, naive UTC
        self.instance = instance or instance_name()
        self.batch = batch
        self.placed = 0  # calls placed since start

    def run(self):
        """Tick on every whole second until stop()."""
        self.survive(wakeup.adopt_old_rows)
        self.every_second(self.tick)

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
