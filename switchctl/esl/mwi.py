"""Message waiting: the phone's voicemail light, driven through the switch.

switchctl keeps the mailboxes (services.voicemail), so it answers the phones'
MESSAGE_QUERY (sent by sofia when a phone registers or subscribes) and announces
every change of a mailbox with a MESSAGE_WAITING event, which sofia turns into SIP
NOTIFYs.
"""

import logging

from switchctl.db import database_guard
from switchctl.freeswitch.commands import message_waiting
from switchctl.services import voicemail

log = logging.getLogger(__name__)


def answer(query):
    """The command answering a phone's MessageQuery (None: not one of our mailboxes, or
    the database is away)."""
    number, _, domain = query.account.partition("@")
    with database_guard(log, "message waiting for %s", query.account) as failed:
        found = voicemail.counts(domain, number)
    if failed or found is None:
        return None
    return message_waiting(query.account, found.new, found.saved, query.profile, query.call_id)


def notice(domain_name, number):
    """The command lighting (or putting out) every phone's lamp of a mailbox, or None."""
    found = voicemail.counts(domain_name, number)
    if found is None:
        return None
    return message_waiting(f"{number}@{domain_name}", found.new, found.saved)
