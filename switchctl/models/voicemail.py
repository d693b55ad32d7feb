"""Voicemail: the messages left in each extension's mailbox."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension


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
