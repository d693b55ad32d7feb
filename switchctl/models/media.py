"""Voicemail messages and fax jobs: records that own stored media files."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.extensions import Extension
from switchctl.models.tenancy import Domain

FAX_STATUSES = ("queued", "sending", "sent", "failed")


class VoicemailMessage(BaseModel):
    """A message left in an extension's mailbox (WAV under the data folder)."""

    domain = peewee.ForeignKeyField(Domain, backref="voicemails", on_delete="CASCADE")
    mailbox = peewee.ForeignKeyField(Extension, backref="voicemails", on_delete="CASCADE")
    caller_number = peewee.CharField(max_length=64)
    caller_name = peewee.CharField(max_length=80, default="")
    received = peewee.DateTimeField(default=now)
    duration = peewee.IntegerField(default=0)
    path = peewee.CharField(max_length=255)
    read = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("mailbox", "received"), False),)


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
