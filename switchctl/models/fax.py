"""Virtual fax: outgoing fax jobs and what became of them."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension

FAX_STATUSES = ("queued", "sending", "sent", "failed")


class FaxJob(BaseModel):
    """An outgoing fax: the upload, the TIFF sent, a PDF copy and the outcome."""

    domain = peewee.ForeignKeyField(Domain, backref="faxes", on_delete="CASCADE")
    extension = peewee.ForeignKeyField(Extension, backref="faxes", on_delete="CASCADE")
    destination = peewee.CharField(max_length=32)
    status = peewee.CharField(max_length=8, default="queued",
                              choices=[(s, s) for s in FAX_STATUSES])
    pages = peewee.IntegerField(default=0)
    original_path = peewee.CharField(max_length=255)
    tiff_path = peewee.CharField(max_length=255, default="")
    pdf_path = peewee.CharField(max_length=255, default="")
    result_text = peewee.CharField(max_length=255, default="")
    created = peewee.DateTimeField(default=now)
    finished = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("extension", "created"), False),)
