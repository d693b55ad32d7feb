"""The queue agent codes (manual §2.7): ``*62#`` log in, ``*062#`` log out, ``*95#``
pause, ``*095#`` unpause; the database changed and mod_callcenter told.

Skeleton: the queue work fills it in."""


class QueueAgentFlow:
    def __init__(self, call, context):
        self.call = call
        self.context = context

    def run(self):
        raise NotImplementedError("queue agents are not built yet")
