"""Virtual fax: the faxes an extension sent and received, each try of a sent one, and the
fax numbers the switch answers with a fax receiver. Times are local (naive), as the
voicemail outbox keeps them."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension

DIRECTIONS = ("sent", "received")
# A sent fax: queued (waiting for next_try), sending (claimed: a call is out), sent,
# failed (after its last try, or refused for good), canceled (by its sender, while queued).
# A received one: received or failed.
FAX_STATUSES = ("queued", "sending", "sent", "received", "failed", "canceled")
ATTEMPT_RESULTS = ("calling", "sent", "busy", "no_answer", "failed", "lost")


class FaxJob(BaseModel):
    """One fax, sent or received: its pages (the TIFF the modem sent or received, a PDF
    copy of it, paths relative to the media folder), the other side and the outcome the
    switch reported. A sent fax is claimed by one switchctl instance while its call is out
    (``claimed_by``, ``claimed_until``, ``call_uuid``): no two instances send it."""

    domain = peewee.ForeignKeyField(Domain, backref="faxes", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="faxes", on_delete="CASCADE")
    destination = peewee.CharField(max_length=32)  # sent: the number dialled; received: ""
    status = peewee.CharField(max_length=8, default="queued",
                              choices=[(s, s) for s in FAX_STATUSES])
    pages = peewee.IntegerField(default=0)  # of the document
    original_path = peewee.CharField(max_length=255)
    tiff_path = peewee.CharField(max_length=255, default="")
    pdf_path = peewee.CharField(max_length=255, default="")
    result_text = peewee.CharField(max_length=255, default="")
    created = peewee.DateTimeField(default=now)
    finished = peewee.DateTimeField(null=True)
    # Schema v9.
    direction = peewee.CharField(max_length=8, default="sent",
                                 choices=[(d, d) for d in DIRECTIONS])
    remote_number = peewee.CharField(max_length=64, default="")  # received: the caller
    fax_number = peewee.CharField(max_length=32, default="")  # received: the number called
    pages_transferred = peewee.IntegerField(default=0)
    result_code = peewee.IntegerField(null=True)
    remote_station = peewee.CharField(max_length=64, default="")
    attempts = peewee.IntegerField(default=0)
    next_try = peewee.DateTimeField(null=True)
    claimed_by = peewee.CharField(max_length=64, default="")
    claimed_until = peewee.DateTimeField(null=True)
    call_uuid = peewee.CharField(max_length=64, default="")

    class Meta:
        indexes = ((("extension", "created"), False), (("status", "next_try"), False),
                   (("call_uuid",), False))


# Schema v11: a call is received once, however many reports of it come at the same moment.
RECEIVED_ONCE = "fax_job_received_call_uuid"
FaxJob.add_index(FaxJob.index(FaxJob.call_uuid, unique=True, name=RECEIVED_ONCE,
                              where=FaxJob.direction == "received"))


class FaxAttempt(BaseModel):
    """One call placed for a sent fax, and how it ended."""

    job = peewee.ForeignKeyField(FaxJob, backref="tries", on_delete="CASCADE")
    started = peewee.DateTimeField()
    uuid = peewee.CharField(max_length=64)
    result = peewee.CharField(max_length=10, default="calling",
                              choices=[(r, r) for r in ATTEMPT_RESULTS])
    detail = peewee.CharField(max_length=255, default="")
    pages_transferred = peewee.IntegerField(default=0)


class FaxNumber(BaseModel):
    """A number the switch answers as a fax machine (a DID of the trunk, or an internal
    number): what it receives lands in ``extension``'s fax log."""

    domain = peewee.ForeignKeyField(Domain, backref="fax_numbers", on_delete="CASCADE")
    number = peewee.CharField(max_length=32)
    extension = peewee.ForeignKeyField(Extension, backref="fax_numbers", on_delete="CASCADE")
    created = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("domain", "number"), True),)
