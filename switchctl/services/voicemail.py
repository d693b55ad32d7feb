"""Voicemail: mailboxes and the messages in them."""

import dataclasses

from switchctl.models import Domain, Extension, VoicemailMessage


@dataclasses.dataclass(frozen=True)
class MessageCounts:
    new: int
    saved: int


def counts(domain_name, number):
    """Unread and read messages of mailbox ``number@domain_name`` (None: no such mailbox)."""
    mailbox = (Extension.select(Extension.id).join(Domain)
               .where(Domain.name == domain_name, Extension.number == number).first())
    if mailbox is None:
        return None
    rows = (VoicemailMessage.select(VoicemailMessage.read)
            .where(VoicemailMessage.mailbox == mailbox.id).tuples())
    read = [flag for (flag,) in rows]
    return MessageCounts(new=read.count(False), saved=read.count(True))
