"""Parking (manual §2.3): ``*4#`` parks the other party, ``<slot>#`` retrieves it.

mod_valet_parking does the work, in the domain's lot (services/parking.lot_name):

- ``*4#`` is an in-call code (bindings.py, in_call.py): on the parker's leg,
  ``valet_park <lot> auto in <first> <last>`` takes the first free slot, tells the parker
  its number (the ``valet_announce_ext`` phrase of lang/en/en.xml), moves the *other*
  party into it (hearing the hold music) and hangs the parker up. A full lot says so
  (``valet_lot_full``) and the call goes on as it was. The variables set first travel
  with the parked call: after ``parking_seconds`` unretrieved it goes to the ``orbit``
  context with the parker's number.
- ``<slot>#`` (or the slot alone) from any extension: ``valet_park <lot> auto out <slot>
  <slot>`` bridges the caller to the call parked there; an empty slot says so
  (``valet_lot_empty``) and the call ends. (``valet_park <lot> <slot>`` is never used:
  on an empty slot it would park the caller.)
- The ``orbit`` context rings the parker for its ring time; unanswered (or busy), the
  call follows the parker's forward of that kind, else the mailbox (routing's outcome).
"""

import re

from switchctl.freeswitch import contexts, prompts
from switchctl.services.extensions import NUMBER_PATTERN, extension_record
from switchctl.services.parking import lot, lot_name
from switchctl.xml_curl import routing
from switchctl.xml_curl.actions import Route, multiset, refuse, stay

SLOT = re.compile(r"^([0-9]{2,4})#?\Z")


def park(call):
    """``*4#``: park the other party in the first free slot."""
    if not call.other_uuid:
        return stay("park-alone", prompts.CANNOT_COMPLETE)
    parking = lot(call.presser.domain_id)
    return Route("park", (
        multiset(valet_parking_timeout=parking.seconds,
                 valet_parking_orbit_exten=call.presser.number,
                 valet_parking_orbit_dialplan="XML",
                 valet_parking_orbit_context=contexts.ORBIT),
        ("valet_park", f"{lot_name(call.domain)} auto in {parking.first} {parking.last}"),
    ))


def retrieve(call):
    """A dialled parking slot (a Dialled): the route retrieving its call, or None."""
    found = SLOT.match(call.number)
    if not found or found.group(1) not in lot(call.caller.domain_id).numbers:
        return None
    slot = found.group(1)
    return Route(f"retrieve-{slot}", (
        ("answer", ""),
        ("valet_park", f"{lot_name(call.domain)} auto out {slot} {slot}"),
        ("hangup", "NORMAL_CLEARING"),
    ))


def route_orbit(request, domain):
    """The ``orbit`` context: a parked call nobody retrieved rings the parker (its number
    is the destination)."""
    number = request.destination
    target = extension_record(domain, number) if NUMBER_PATTERN.match(number) else None
    if target is None:
        return refuse("orbit-unknown", prompts.CANNOT_COMPLETE, "NO_ANSWER")
    return routing.bridge_extension(domain, target, (),
                                    prelude=(("unset", "valet_parking_timeout"),))


IN_CALL = {"park": park}
