"""Phones register with the passwords switchctl holds and call each other (real SIP)."""

import json
import time
import urllib.request

import pytest

from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import SwitchEvents, executing
from tests.integration.sip_phones import (
    call,
    call_answered_by_phone,
    dial_code,
    free_udp_port,
    register,
)

pytestmark = pytest.mark.integration


def wait_for(probe, seconds=10):
    """mod_xml_cdr posts after the call is torn down: poll the database until it shows."""
    deadline = time.monotonic() + seconds
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def test_a_phone_registers_with_its_password_and_not_without(esl, served, sip_address):
    port = free_udp_port()
    assert register(sip_address, "101", served["101"], port)
    assert f"127.0.0.1:{port}" in api(esl, "sofia_contact */101@pbx.local")
    assert not register(sip_address, "103", "wrong-password", free_udp_port())
    assert "user_not_registered" in api(esl, "sofia_contact */103@pbx.local")


def test_extension_101_calls_102_and_the_call_is_recorded(esl, served, sip_address):
    query = ("SELECT direction, caller_number, callee_number, disposition FROM call_record "
             "WHERE caller_number = '101' AND callee_number = '102' ORDER BY id")
    before = len(served.rows(query))  # other tests call 102 too
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port)
    assert call_answered_by_phone(sip_address, "101", served["101"], "102", port)
    assert wait_for(lambda: served.rows(query)[before:]) == \
        [("internal", "101", "102", "ANSWERED")]


def test_forward_set_from_a_phone_sends_the_next_call_on(esl, served, sip_address,
                                                         fs_address):
    """*71105 from 104's phone; then 101 calling 104 is answered at 105; *071 undoes it:
    104 has no phone registered, so the next call reaches 104's mailbox instead."""
    forward = ("SELECT destination, active FROM forward_rule JOIN extension "
               "ON extension.id = forward_rule.extension_id WHERE extension.number = '104'")
    port = free_udp_port()
    assert register(sip_address, "105", served["105"], port)
    dial_code(sip_address, "104", served["104"], "*71105")
    assert served.rows(forward) == [("105", 1)]
    assert call_answered_by_phone(sip_address, "101", served["101"], "104", port)
    dial_code(sip_address, "104", served["104"], "*071")
    assert served.rows(forward) == [("105", 0)]
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(), ("CHANNEL_EXECUTE",))
    try:
        assert call(sip_address, "101", served["101"], "104")  # answered by the mailbox
        events.next(executing("multiset", data="switchctl_mailbox=104 "),
                    what="the call handed to 104's mailbox")
    finally:
        events.close()


def test_the_listener_sees_a_phone_register(esl, served, sip_address):
    """switchctl serve follows the real switch's events: a registration shows in /status."""
    def state_of(number):
        with urllib.request.urlopen(f"http://{served.switch}/status", timeout=5) as response:
            status = json.load(response)
        return status["switch"], status["extensions"].get(number)

    assert wait_for(lambda: state_of("104")[0] == "connected")
    assert register(sip_address, "104", served["104"], free_udp_port())
    assert wait_for(lambda: state_of("104") == ("connected", "idle"))
