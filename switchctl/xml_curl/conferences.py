"""Conference rooms (manual §2.8): dialling a room, ``*0`` ad-hoc rooms, the admin's invite.

Skeleton: the conference work fills it in (a room's number as an internal destination,
the ``conference`` context, in-call ``conference_adhoc`` and the invite steps)."""

IN_CALL = {}


def dial_room(call):
    """A dialled conference room number (a Dialled): its route, or None."""
    return None


def route_conference(request, domain):
    """The ``conference`` context: a party switchctl moves into a room."""
    return None
