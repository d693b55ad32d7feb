"""Wake-up calls booked from the phone (``*55``) or the portal."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension

WAKEUP_STATUSES = ("scheduled", "done", "failed", "cancelled")


class WakeupCall(BaseModel):
    """A wake-up call booked with ``*55``; retried a few times if unanswered."""

    extension = peewee.ForeignKeyField(Extension, backref="wakeups", on_delete="CASCADE")
    at = peewee.DateTimeField(index=True)
    status = peewee.CharField(max_length=10, default="scheduled",
                              choices=[(s, s) for s in WAKEUP_STATUSES])
    attempts = peewee.IntegerField(default=0)
    created = peewee.DateTimeField(default=now)
