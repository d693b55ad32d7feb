"""Message waiting: phones' queries answered, mailbox changes announced, over the event socket."""

import gevent
import pytest

from switchctl.esl import events
from switchctl.freeswitch.commands import message_waiting
from switchctl.models import VoicemailMessage
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension
from switchctl.services.voicemail import MessageCounts, counts
from tests.builders.captures import payload
from tests.builders.esl import event_headers
from tests.fakes.fake_switch import event_frame


def test_the_captured_query_becomes_a_typed_value():
    assert events.from_headers(event_headers("MESSAGE_QUERY")) == events.MessageQuery(
        "1003@127.0.0.1", "internal", "reg1003-1@127.0.0.1")


def test_sendevent_carries_what_sofia_reads():
    assert message_waiting("101@pbx.local", 2, 1, "internal", "abc@h") == (
        "sendevent MESSAGE_WAITING\nMWI-Messages-Waiting: yes\n"
        "MWI-Message-Account: sip:101@pbx.local\nMWI-Voice-Message: 2/1 (0/0)\n"
        "Sofia-Profile: internal\nCall-ID: abc@h")
    assert "MWI-Messages-Waiting: no" in message_waiting("101@pbx.local", 0, 4)


@pytest.fixture
def mailboxes(db):
    domain = ensure_domain("127.0.0.1")
    owner, _ = add_extension(domain, "1003", "Mailbox owner", "Passw0rd1003")
    for read in (False, False, True):
        VoicemailMessage.create(domain=domain, mailbox=owner, caller_number="13800000000",
                                path="voicemail/x.wav", read=read)
    return owner


@pytest.fixture
def live(live_view):
    return live_view


def test_a_phones_query_is_answered_with_its_mailbox_counts(mailboxes, live):
    view, switch = live
    switch.emit(payload("esl_inbound/events_plain/MESSAGE_QUERY.txt"))
    assert switch.wait_for_command("sendevent") == (
        "sendevent MESSAGE_WAITING MWI-Messages-Waiting: yes "
        "MWI-Message-Account: sip:1003@127.0.0.1 MWI-Voice-Message: 2/1 (0/0) "
        "Sofia-Profile: internal Call-ID: reg1003-1@127.0.0.1")


def test_queries_for_unknown_mailboxes_are_not_answered(mailboxes, live):
    view, switch = live
    switch.emit(event_frame({"Event-Name": "MESSAGE_QUERY", "Message-Account": "sip:999@x.y",
                             "VM-Sofia-Profile": "internal", "VM-Call-ID": "c1"}))
    switch.emit(payload("esl_inbound/events_plain/MESSAGE_QUERY.txt"))
    assert "sip:1003@127.0.0.1" in switch.wait_for_command("sendevent")


def test_a_mailbox_change_lights_every_phone_of_it(mailboxes, live):
    view, switch = live
    VoicemailMessage.update(read=True).execute()
    gevent.spawn(view.mailbox_changed, "127.0.0.1", "1003")
    assert switch.wait_for_command("sendevent") == (
        "sendevent MESSAGE_WAITING MWI-Messages-Waiting: no "
        "MWI-Message-Account: sip:1003@127.0.0.1 MWI-Voice-Message: 0/3 (0/0)")


def test_counts_of_a_mailbox_that_does_not_exist_are_none(mailboxes):
    assert counts("127.0.0.1", "1004") is None
    assert counts("127.0.0.1", "1003") == MessageCounts(new=2, saved=1)
