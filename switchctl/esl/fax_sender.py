"""The fax sender: sends each queued fax when it falls due and keeps every sent fax's state
true to what the switch says (``switchctl serve`` runs one; several instances on one
database share the work without sending a fax twice).

Every second a tick asks the database what is due (services/fax: one indexed query),
claims the queued faxes it wins and, outside the transaction, sends each one's ``bgapi
originate`` (freeswitch/commands.fax_originate: the call runs ``txfax``) on the inbound
event socket. The sending faxes whose claim ran out are the watchdog's: the switch is
asked whether the call is still up (``uuid_exists``); when it is not, services/fax waits
for its record, then tries again.

What the switch says of a fax call (the txfax and rxfax results, a sending leg's
hang-up: freeswitch/fax_results) reaches services/fax.report from the listener's events
here, and again from the call's CDR (xml_cdr/intake): each is taken once, and the CDR,
which FreeSWITCH posts until it is stored, is the copy that survives an outage.

While the switch is away nothing is claimed and the watchdog decides nothing; a fax whose
command could not be sent is given back, due as before. A database error is logged and
survived: the next tick tries again.
"""

import functools
import logging

import gevent
from gevent.queue import Empty, Queue

from switchctl.esl.every_second import EverySecond, instance_name
from switchctl.freeswitch.commands import fax_originate
from switchctl.freeswitch.fax_results import fax_report
from switchctl.models.base import now as local_now
from switchctl.services import fax

log = logging.getLogger(__name__)
BATCH = 200


class FaxSender(EverySecond):
    what = "fax"

    def __init__(self, listener, config, clock=local_now, instance=None, batch=BATCH):
        super().__init__()
        self.listener = listener  # send / api: False / None while the switch is away
        self.config = config
        self.clock = clock  # now, local and naive
        self.instance = instance or instance_name()
        self.batch = batch
        self.placed = 0
        self.reports = Queue()  # FaxReport from the listener's events, taken in order
        listener.header_observers.append(self.on_event)

    def on_event(self, headers):
        """A header observer of the listener: fax results and fax legs' hang-ups."""
        found = fax_report(headers)
        if found is not None:
            self.reports.put(found)

    def run(self):
        """Tick on every whole second, and take each report as it comes, until stop()."""
        taker = gevent.spawn(self._take_reports)
        try:
            self.every_second(self.tick)
        finally:
            taker.kill()

    def _take_reports(self):
        while True:
            self.survive(functools.partial(self.take, self.reports.get()))

    def take(self, found):
        """Store one report (services/fax.report); the FaxJob it changed, or None."""
        return fax.report(found, self.config.media_folder, self.clock())

    def take_waiting(self):
        """Store every report waiting in the queue now (tests, and a tick's start)."""
        while True:
            try:
                found = self.reports.get_nowait()
            except Empty:
                return
            self.take(found)

    def tick(self):
        """Send what is due now and watch the calls out; returns how many were placed."""
        if not self.listener.online.is_set():
            return 0
        now = self.clock()
        rows = fax.due(now, self.batch)
        if not rows:
            return 0
        placed = self._place(fax.claim(rows, now, self.instance))
        for row in fax.expired(rows):
            self._watch(row, now)
        self.placed += placed
        return placed

    def _place(self, claimed):
        media, placed = self.config.switch_media_folder, 0
        for index, call in enumerate(claimed):
            try:
                command = fax_originate(call.uuid, call.id, call.gateway, call.number,
                                        f"{media}/{call.tiff_path}", header=call.header,
                                        ident=call.ident, use_ecm=call.use_ecm,
                                        caller_id=call.caller_id,
                                        ring_seconds=call.ring_seconds)
            except ValueError as exc:  # this one fails; the others are placed
                fax.cannot_place(call, self.clock(), str(exc))
                continue
            if not self.listener.send(command):
                log.warning("fax: the switch is away; %s fax(es) wait for it",
                            len(claimed) - index)
                fax.release(claimed[index:])
                return placed
            placed += 1
            log.info("fax %s: calling %s through %s", call.id, call.number, call.gateway)
        return placed

    def _watch(self, row, now):
        """The watchdog: the claim of ``row`` ran out; is its call still up?"""
        answer = self.listener.api(f"uuid_exists {row.call_uuid}")
        if answer is None:
            return  # the switch is away: nothing can be known yet
        if answer.strip() == "true":
            fax.still_up(row, now)
        elif fax.gone(row, now):
            log.warning("fax %s: its call %s is gone without a result", row.id, row.call_uuid)
