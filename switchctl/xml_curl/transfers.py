"""Transfers (manual §2.4): blind ``#<number>`` and attended ``*2<number>`` in a call.

Skeleton: the transfer work fills it in (in-call handlers, the ``transfer`` context)."""

IN_CALL = {}


def route_transfer(request, domain):
    """The ``transfer`` context: a party transferred with ``#<number>``."""
    return None
