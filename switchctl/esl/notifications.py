"""What the portal is told live: extension states and incoming calls, per user.

The listener publishes here; each open portal page (a server-sent-events stream,
once the portal's login exists) subscribes for its user and reads a queue.
Slow readers lose old messages rather than holding the listener up.
"""

import dataclasses

from gevent.queue import Full, Queue

QUEUE_SIZE = 100


@dataclasses.dataclass(frozen=True)
class StateChange:
    user: str  # "101@pbx.local"
    state: str


@dataclasses.dataclass(frozen=True)
class IncomingCall:
    user: str
    uuid: str
    caller_number: str
    contact_name: str  # from a contact the user may see; "" when none matches


class Hub:
    def __init__(self):
        self.subscribers = {}  # user -> set of queues

    def subscribe(self, user):
        queue = Queue(QUEUE_SIZE)
        self.subscribers.setdefault(user.lower(), set()).add(queue)
        return queue

    def unsubscribe(self, user, queue):
        self.subscribers.get(user.lower(), set()).discard(queue)

    def publish(self, user, message):
        for queue in list(self.subscribers.get(user.lower(), ())):
            try:
                queue.put_nowait(message)
            except Full:
                queue.get_nowait()  # drop the oldest for the newest
                queue.put_nowait(message)
