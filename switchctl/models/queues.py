"""Call queues (mod_callcenter) and the extensions answering them."""

import peewee

from switchctl.models.base import BaseModel
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension

AGENT_STATIC = "static"
AGENT_DYNAMIC = "dynamic"


class Queue(BaseModel):
    """A call queue (mod_callcenter) reached by dialling its number."""

    domain = peewee.ForeignKeyField(Domain, backref="queues", on_delete="CASCADE")
    number = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=80)
    strategy = peewee.CharField(max_length=32, default="longest-idle-agent")
    # mod_callcenter's moh-sound: local_stream://<name> or a sound of the set
    hold_music = peewee.CharField(max_length=255, default="local_stream://moh")
    max_wait_seconds = peewee.IntegerField(default=0)  # 0: no limit
    # where a caller who waited max_wait_seconds goes: a number of the domain ("": hang up)
    timeout_destination = peewee.CharField(max_length=32, default="")
    agent_ring_seconds = peewee.IntegerField(default=20)

    class Meta:
        indexes = ((("domain", "number"), True),)


class QueueAgent(BaseModel):
    """An extension answering a queue: static (set by an admin) or dynamic (``*62``)."""

    queue = peewee.ForeignKeyField(Queue, backref="agents", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="queue_agents", on_delete="CASCADE")
    kind = peewee.CharField(max_length=8, default=AGENT_STATIC,
                            choices=[(AGENT_STATIC, AGENT_STATIC), (AGENT_DYNAMIC, AGENT_DYNAMIC)])
    logged_in = peewee.BooleanField(default=True)
    paused = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("queue", "extension"), True),)
