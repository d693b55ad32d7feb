"""What the portal is told live: extension states, incoming calls, the switch's link.

The listener publishes here by topic: a user (``101@pbx.local``) hears of calls to
their phones, a domain (``@pbx.local``) of its extensions' states, ``*`` of the
switch going offline or online. Each open portal stream subscribes to its topics
and reads one queue. A reader that falls QUEUE_SIZE messages behind does not hold
the listener up: its queue is emptied and told so (``Overflowed``), and it starts
again from a fresh snapshot.
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


@dataclasses.dataclass(frozen=True)
class SwitchLink:
    online: bool


@dataclasses.dataclass(frozen=True)
class Overflowed:
    """The reader fell behind and lost messages: what it shows must be read afresh."""


EVERYONE = "*"


def domain_topic(user_or_domain):
    """The topic of a domain's extension states, from ``101@pbx.local`` or ``pbx.local``."""
    return "@" + user_or_domain.rpartition("@")[2].lower()


class Hub:
    def __init__(self):
        self.subscribers = {}  # topic -> set of queues

    def subscribe(self, *topics):
        """One queue receiving what is published to any of ``topics``."""
        queue = Queue(QUEUE_SIZE)
        for topic in topics:
            self.subscribers.setdefault(topic.lower(), set()).add(queue)
        return queue

    def unsubscribe(self, queue):
        for topic, queues in list(self.subscribers.items()):
            queues.discard(queue)
            if not queues:
                del self.subscribers[topic]

    def publish(self, topic, message):
        for queue in list(self.subscribers.get(topic.lower(), ())):
            try:
                queue.put_nowait(message)
            except Full:
                while not queue.empty():
                    queue.get_nowait()
                queue.put_nowait(Overflowed())
                queue.put_nowait(message)
