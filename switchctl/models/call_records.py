"""Call records: one per finished call, from mod_xml_cdr."""

import peewee

from switchctl.models.base import BaseModel
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension

DIRECTION_INBOUND = "inbound"
DIRECTION_OUTBOUND = "outbound"
DIRECTION_INTERNAL = "internal"
DIRECTIONS = (DIRECTION_INBOUND, DIRECTION_OUTBOUND, DIRECTION_INTERNAL)


class CallRecord(BaseModel):
    """One finished call, stored once per call UUID (the A leg)."""

    domain = peewee.ForeignKeyField(Domain, backref="calls", on_delete="CASCADE")
    uuid = peewee.CharField(max_length=64, unique=True)
    direction = peewee.CharField(max_length=8, choices=[(d, d) for d in DIRECTIONS])
    caller_number = peewee.CharField(max_length=64)
    caller_name = peewee.CharField(max_length=80, default="")
    callee_number = peewee.CharField(max_length=64)
    caller_extension = peewee.ForeignKeyField(
        Extension, null=True, backref="calls_made", on_delete="SET NULL")
    callee_extension = peewee.ForeignKeyField(
        Extension, null=True, backref="calls_received", on_delete="SET NULL")
    start = peewee.DateTimeField()
    answer = peewee.DateTimeField(null=True)
    end = peewee.DateTimeField()
    duration = peewee.IntegerField(default=0)
    billsec = peewee.IntegerField(default=0)
    disposition = peewee.CharField(max_length=32)
    hangup_cause = peewee.CharField(max_length=64, default="")

    class Meta:
        indexes = (
            (("caller_extension", "start"), False),
            (("callee_extension", "start"), False),
            (("domain", "start"), False),
            (("domain", "caller_number", "start"), False),
            (("domain", "callee_number", "start"), False),
        )
