"""Call queues (manual §2.7) for mod_callcenter: dialling a queue, its configuration.

Skeleton: the queue work fills it in (a queue's number as an internal destination, the
``queue_exit`` context, callcenter.conf served from the database)."""


def dial_queue(call):
    """A dialled queue number (a Dialled): its route, or None."""
    return None


def route_queue_exit(request, domain):
    """The ``queue_exit`` context: the ``callcenter`` application returned."""
    return None


def configuration(request):
    """callcenter.conf as a configuration document (bytes), or None for not-found."""
    return None
