"""Parked calls as the switch holds them (mod_valet_parking), for the live view, /status
and ``switchctl status``.

mod_valet_parking keeps its lots in the switch's memory and tells of each change with a
``CUSTOM valet_parking::info`` event: ``Action: hold`` when a call is parked in
``Valet-Extension`` of ``Valet-Lot-Name`` (with the parked channel's data: its caller,
and the ``valet_parking_orbit_exten`` our dialplan set, the parker), ``bridge`` when it
is retrieved, ``exit`` when it leaves the slot (hung up, or back to the parker). After
every (re)connect the lots are read again with ``valet_info`` (its XML: each slot's
uuid), the callers from ``show channels``.
"""

import datetime
import json
import logging
import re

from lxml import etree

from switchctl.services.parking import lot_name

log = logging.getLogger(__name__)
SUBCLASS = "valet_parking::info"
SLOT = re.compile(r"^[0-9]{1,8}\Z")
MAX_PARKED = 1000  # more than any office parks: a flood of forged events stops here


class ParkedCalls:
    def __init__(self, listener, clock=None):
        self.listener = listener
        self.clock = clock or (lambda: datetime.datetime.now().replace(microsecond=0))
        self._parked = {}  # (lot, slot) -> dict
        listener.header_observers.append(self.on_event)
        listener.connect_hooks.append(self.resync)

    def snapshot(self, domain_name):
        """The domain's parked calls by slot: ``{"slot", "caller_number", "caller_name",
        "parked_by", "since"}`` each (``since`` ISO text; None after a resync)."""
        lot = lot_name(domain_name)
        rows = [dict(call) for (name, _), call in self._parked.items() if name == lot]
        return sorted(rows, key=lambda row: int(row["slot"]))

    def on_event(self, headers):
        if headers.get("Event-Subclass") != SUBCLASS:
            return
        lot, slot = headers.get("Valet-Lot-Name", ""), headers.get("Valet-Extension", "")
        if not SLOT.match(slot) or not lot.startswith("switchctl@"):
            return
        action = headers.get("Action")
        if action == "hold":
            if len(self._parked) >= MAX_PARKED and (lot, slot) not in self._parked:
                return
            self._parked[(lot, slot)] = {
                "slot": slot, "uuid": headers.get("Unique-ID", ""),
                "caller_number": headers.get("Caller-Caller-ID-Number", ""),
                "caller_name": headers.get("Caller-Caller-ID-Name", ""),
                "parked_by": headers.get("variable_valet_parking_orbit_exten", ""),
                "since": self.clock().isoformat(sep=" "),
            }
        elif action in ("bridge", "exit"):
            self._parked.pop((lot, slot), None)

    def resync(self, client):
        """Read every lot again from the switch (after a (re)connect)."""
        parked = parse_valet_info(client.api("valet_info"))
        callers = _callers(client.api("show channels as json"))
        self._parked = {}
        for lot, slot, uuid in parked:
            number, name = callers.get(uuid, ("", ""))
            parker = client.api(f"uuid_getvar {uuid} valet_parking_orbit_exten") \
                if re.match(r"^[A-Za-z0-9-]{1,64}\Z", uuid) else ""
            parker = parker.strip() if SLOT.match(parker.strip()) else ""
            self._parked[(lot, slot)] = {"slot": slot, "uuid": uuid, "caller_number": number,
                                         "caller_name": name, "parked_by": parker,
                                         "since": None}


def parse_valet_info(text):
    """``[(lot, slot, uuid)]`` of our lots in ``valet_info``'s XML (anything else: [])."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring((text or "").encode(), parser)
    except etree.XMLSyntaxError:
        log.warning("valet_info: not its XML; parked calls not resynchronised")
        return []
    found = []
    for lot in root.iter("lot"):
        name = lot.get("name", "")
        if not name.startswith("switchctl@"):
            continue
        for slot in lot.iter("extension"):
            if SLOT.match((slot.text or "").strip()):
                found.append((name, slot.text.strip(), slot.get("uuid", "")))
    return found


def _callers(text):
    try:
        rows = json.loads(text or "{}").get("rows") or []
    except (ValueError, AttributeError):
        return {}
    return {row.get("uuid", ""): (row.get("cid_num", ""), row.get("cid_name", ""))
            for row in rows if isinstance(row, dict)}
