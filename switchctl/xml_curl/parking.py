"""Parking (manual §2.3): ``*4#`` parks the other party, ``<slot>#`` retrieves it.

Skeleton: the parking work fills it in (in-call ``park``, the ``orbit`` context, slot
retrieval as an internal destination)."""

IN_CALL = {}


def retrieve(call):
    """A dialled parking slot (a Dialled): the route retrieving it, or None."""
    return None


def route_orbit(request, domain):
    """The ``orbit`` context: a parked call nobody retrieved rings the parker."""
    return None
