"""Call forwarding (four types) and follow-me."""

import peewee

from switchctl.models.base import BaseModel
from switchctl.models.extensions import Extension

FORWARD_ALWAYS = "always"
FORWARD_BUSY = "busy"
FORWARD_NO_ANSWER = "no_answer"
FORWARD_UNAVAILABLE = "unavailable"
FORWARD_KINDS = (FORWARD_ALWAYS, FORWARD_BUSY, FORWARD_NO_ANSWER, FORWARD_UNAVAILABLE)


class ForwardRule(BaseModel):
    """One forwarding type of one extension: its number, and ``active``, the rule's own
    enable (its checkbox on the forwarding page). An active rule is followed only while
    its extension's ``forwarding_active`` (the page's activate switch) is on too:
    services.forwarding.followed() is that one condition, for every query that decides
    whether a call is forwarded; ``active`` alone says nothing of that."""

    extension = peewee.ForeignKeyField(Extension, backref="forwards", on_delete="CASCADE")
    kind = peewee.CharField(max_length=12, choices=[(k, k) for k in FORWARD_KINDS])
    destination = peewee.CharField(max_length=32, default="")
    active = peewee.BooleanField(default=False)

    class Meta:
        indexes = ((("extension", "kind"), True),)


class FollowMeEntry(BaseModel):
    """One step of an extension's follow-me list, rung for ``timeout`` seconds."""

    extension = peewee.ForeignKeyField(Extension, backref="follow_me", on_delete="CASCADE")
    position = peewee.IntegerField()
    destination = peewee.CharField(max_length=32)
    timeout = peewee.IntegerField(default=20)

    class Meta:
        indexes = ((("extension", "position"), True),)
