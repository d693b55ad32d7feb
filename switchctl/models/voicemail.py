"""Voicemail: the messages left in each extension's mailbox, its greetings, and the
outbox of the emails that tell the owner about a message."""

import peewee

from switchctl.models.base import BaseModel, now
from switchctl.models.domains import Domain
from switchctl.models.extensions import Extension
from switchctl.models.fax import FaxJob

GREETING_KINDS = ("busy", "unavailable")
EMAIL_STATUSES = ("pending", "retrying", "sent", "failed")


class VoicemailMessage(BaseModel):
    """A message left in an extension's mailbox: a WAV under the media folder named by
    ``uid``; ``path`` is relative to that folder."""

    domain = peewee.ForeignKeyField(Domain, backref="voicemails", on_delete="CASCADE")
    mailbox = peewee.ForeignKeyField(Extension, backref="voicemails", on_delete="CASCADE")
    uid = peewee.CharField(max_length=36, null=True, unique=True)
    caller_number = peewee.CharField(max_length=64)
    caller_name = peewee.CharField(max_length=80, default="")
    received = peewee.DateTimeField(default=now)
    duration = peewee.IntegerField(default=0)
    path = peewee.CharField(max_length=255)
    read = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("mailbox", "received"), False),)


class VoicemailGreeting(BaseModel):
    """An extension's own recorded greeting for one case (busy, unavailable); a WAV under
    the media folder, ``path`` relative to it."""

    mailbox = peewee.ForeignKeyField(Extension, backref="greetings", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12, choices=[(k, k) for k in GREETING_KINDS])
    path = peewee.CharField(max_length=255)
    recorded = peewee.DateTimeField(default=now)

    class Meta:
        indexes = ((("mailbox", "kind"), True),)


class VoicemailEmail(BaseModel):
    """The outbox: one email telling a mailbox's owner of one message, sent with back-off
    until it is sent or has failed for good (``error`` keeps the server's words)."""

    # What it tells of: a voicemail message, or (schema v10) a received fax.
    message = peewee.ForeignKeyField(VoicemailMessage, backref="emails", on_delete="CASCADE",
                                     null=True)
    recipient = peewee.CharField(max_length=254)
    status = peewee.CharField(max_length=10, default="pending",
                              choices=[(s, s) for s in EMAIL_STATUSES])
    attempts = peewee.IntegerField(default=0)
    next_try = peewee.DateTimeField(default=now)
    error = peewee.TextField(default="")
    sent = peewee.DateTimeField(null=True)
    created = peewee.DateTimeField(default=now)
    fax = peewee.ForeignKeyField(FaxJob, backref="emails", on_delete="CASCADE", null=True)

    class Meta:
        # The due query: open rows by time; sent and failed ones, however many, stay out.
        indexes = ((("status", "next_try"), False),)
