"""Queue agents kept in step between the database and mod_callcenter, both ways.

Skeleton: the queue work fills it in (callcenter::info events, the agents' state sent on
every connect)."""


class QueueSync:
    def __init__(self, listener):
        self.listener = listener
