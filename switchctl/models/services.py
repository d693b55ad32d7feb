"""Shared PBX services: wake-up calls, queues, conference rooms, feature-code overrides."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension
from switchctl.models.tenancy import Domain

WAKEUP_STATUSES = ("scheduled", "done", "failed", "cancelled")
AGENT_STATIC = "static"
AGENT_DYNAMIC = "dynamic"


class WakeupCall(BaseModel):
    """A wake-up call booked with ``*55``; retried a few times if unanswered."""

    extension = peewee.ForeignKeyField(Extension, backref="wakeups", on_delete="CASCADE")
    at = peewee.DateTimeField(index=True)
    status = peewee.CharField(max_length=10, default="scheduled",
                              choices=[(s, s) for s in WAKEUP_STATUSES])
    attempts = peewee.IntegerField(default=0)
    created = peewee.DateTimeField(default=now)


class Queue(BaseModel):
    """A call queue (mod_callcenter) reached by dialling its number."""

    domain = peewee.ForeignKeyField(Domain, backref="queues", on_delete="CASCADE")
    number = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=80)
    strategy = peewee.CharField(max_length=32, default="longest-idle-agent")

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


class ConferenceRoom(BaseModel):
    """A conference room; the admin PIN lets a member invite others."""

    domain = peewee.ForeignKeyField(Domain, backref="conference_rooms", on_delete="CASCADE")
    number = peewee.CharField(max_length=16)
    name = peewee.CharField(max_length=80, default="")
    admin_pin = peewee.CharField(max_length=16)
    user_pin = peewee.CharField(max_length=16, default="")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)


class FeatureCodeOverride(BaseModel):
    """An admin's replacement for the default code of one feature."""

    domain = peewee.ForeignKeyField(Domain, backref="feature_codes", on_delete="CASCADE")
    feature = peewee.CharField(max_length=32)
    code = peewee.CharField(max_length=16)

    class Meta:
        indexes = ((("domain", "feature"), True),)
