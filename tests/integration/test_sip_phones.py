"""Phones register with the passwords switchctl holds and call each other (real SIP)."""

import pytest

from tests.integration.conftest import api
from tests.integration.sip_phones import (
    answering_phone,
    call,
    dial_code,
    free_udp_port,
    register,
)

pytestmark = pytest.mark.integration


def test_a_phone_registers_with_its_password_and_not_without(esl, served, sip_address):
    port = free_udp_port()
    assert register(sip_address, "101", served["101"], port)
    assert f"127.0.0.1:{port}" in api(esl, "sofia_contact */101@pbx.local")
    assert not register(sip_address, "103", "wrong-password", free_udp_port())
    assert "user_not_registered" in api(esl, "sofia_contact */103@pbx.local")


def test_extension_101_calls_102(esl, served, sip_address):
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port)
    phone = answering_phone(port)
    try:
        assert call(sip_address, "101", served["101"], "102")
        assert phone.wait(timeout=30) == 0
    finally:
        if phone.poll() is None:
            phone.kill()


def test_forward_set_from_a_phone_sends_the_next_call_on(esl, served, sip_address):
    """*71105 from 104's phone; then 101 calling 104 is answered at 105; *071 undoes it."""
    port = free_udp_port()
    assert register(sip_address, "105", served["105"], port)
    dial_code(sip_address, "104", served["104"], "*71105")
    phone = answering_phone(port)
    try:
        assert call(sip_address, "101", served["101"], "104")
        assert phone.wait(timeout=30) == 0
    finally:
        if phone.poll() is None:
            phone.kill()
    dial_code(sip_address, "104", served["104"], "*071")
    assert not call(sip_address, "101", served["101"], "104")  # 104 has no phone registered
