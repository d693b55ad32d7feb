"""Message waiting: the phone's voicemail light, driven through the switch.

switchctl keeps the mailboxes, so it answers the phones' MESSAGE_QUERY (sent by
sofia when a phone registers or subscribes) and announces every change of a
mailbox with a MESSAGE_WAITING event, which sofia turns into SIP NOTIFYs. Event
headers as mod_voicemail sends them (see the captured MESSAGE_WAITING events).
"""

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


def sendevent(account, message_counts, profile="", call_id=""):
    """The ``sendevent MESSAGE_WAITING`` command for ``account`` (``101@pbx.local``).

    With ``profile`` and ``call_id`` (from a MESSAGE_QUERY) sofia answers that one
    registration; without them it notifies every subscriber of the account."""
    lines = [
        "sendevent MESSAGE_WAITING",
        f"MWI-Messages-Waiting: {'yes' if message_counts.new else 'no'}",
        f"MWI-Message-Account: sip:{account}",
        f"MWI-Voice-Message: {message_counts.new}/{message_counts.saved} (0/0)",
    ]
    if profile and call_id:
        lines += [f"Sofia-Profile: {profile}", f"Call-ID: {call_id}"]
    return "\n".join(lines)
