"""Wake-up calls booked from the phone (``*55``), the CLI or the portal, and each
attempt to ring them. Times here are UTC (naive): a domain's time zone is applied
where a time is read from or said to a person."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension

# scheduled: waiting for next_try; ringing: claimed by an instance, a call is out;
# done: acknowledged; failed: unanswered after every retry; missed: fell due while
# nobody could ring it and was too late by then; cancelled: by the user or ops.
WAKEUP_STATUSES = ("scheduled", "ringing", "done", "failed", "missed", "cancelled")
ATTEMPT_RESULTS = ("ringing", "acknowledged", "snoozed", "no_key", "no_answer", "busy", "failed")


class WakeupCall(BaseModel):
    """A wake-up call: due ``at``; rung next at ``next_try`` (``at``, then a retry or a
    snooze). An instance claims a due row atomically (status ringing, ``claimed_by``,
    ``claimed_until``) so that no two ring it; a claim that outlives its lease is
    taken back."""

    extension = peewee.ForeignKeyField(Extension, backref="wakeups", on_delete="CASCADE")
    at = peewee.DateTimeField(index=True)
    status = peewee.CharField(max_length=10, default="scheduled",
                              choices=[(s, s) for s in WAKEUP_STATUSES])
    attempts = peewee.IntegerField(default=0)
    created = peewee.DateTimeField(default=now)
    next_try = peewee.DateTimeField(null=True)
    claimed_by = peewee.CharField(max_length=64, default="")
    claimed_until = peewee.DateTimeField(null=True)
    outcome = peewee.CharField(max_length=255, default="")

    class Meta:
        indexes = ((("status", "next_try"), False),)


class WakeupAttempt(BaseModel):
    """One call placed for a wake-up call, and how it ended."""

    call = peewee.ForeignKeyField(WakeupCall, backref="tries", on_delete="CASCADE")
    started = peewee.DateTimeField()
    uuid = peewee.CharField(max_length=36, default="")
    result = peewee.CharField(max_length=12, default="ringing",
                              choices=[(r, r) for r in ATTEMPT_RESULTS])
    detail = peewee.CharField(max_length=255, default="")
