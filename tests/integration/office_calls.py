"""A call between two of the office's phones on the real switch, for the tests of what
happens during a call (transfers, parking): 102 and 105 registered at phones that answer
and send silence (a phone's steady media: the switch runs an in-call code between the
frames it reads), 101 calling 102 with a sipp scenario."""

import struct

import pytest

from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import (Phone, SwitchEvents, _caller, _ethernet_udp,
                                            answering_phone)
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_voicemail_calls import no_channel_left

EVENTS = ("CHANNEL_ANSWER", "CHANNEL_EXECUTE", "CHANNEL_BRIDGE", "CHANNEL_HANGUP_COMPLETE")
WAIT = 10  # seconds for any one step (a blind code acts after the 2 s digit timeout)


def silence_pcap(path, seconds=30):
    """RTP of silent A-law (payload 8, 20 ms packets) for ``seconds``: a phone's steady
    media, as sipp plays it."""
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(seconds * 50):
            when = n * 0.02
            rtp = struct.pack("!BBHII", 0x80, 8, n & 0xFFFF, n * 160, 0x51AE17) + b"\xd5" * 160
            frame = _ethernet_udp(rtp)
            out.write(struct.pack("<IIII", int(when), int(round(when % 1, 6) * 1e6),
                                  len(frame), len(frame)))
            out.write(frame)
    return path


@pytest.fixture
def office_call(served, sip_address, fs_address, esl, tmp_path):
    """102 and 105 registered at phones that answer and send silence; yields a function
    placing 101's call to 102 with a scenario, returning (caller phone, 101's uuid,
    102's uuid) once bridged, and the event watcher."""
    pcap = silence_pcap(tmp_path / "silence.pcap")
    for number in ("101", "102", "105"):
        api(esl, f"sofia profile internal flush_inbound_reg {number}@pbx.local")
    phones, ports = [], {}
    for number in ("102", "105"):
        ports[number] = free_udp_port()
        assert register(sip_address, number, served[number], ports[number])
        phones.append(answering_phone(pcap=pcap, port=ports[number]))
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(), EVENTS)

    def place(scenario, *extra, to="102"):
        caller = Phone(_caller(scenario, sip_address, "101", served["101"], to,
                               "-key", "pcap", str(pcap), *extra))
        phones.append(caller)
        bridged = events.next(lambda e: e["Event-Name"] == "CHANNEL_BRIDGE"
                              and e["Caller-Destination-Number"] == to, timeout=WAIT,
                              what=f"101 and {to} bridged")
        return caller, bridged["Bridge-A-Unique-ID"], bridged["Bridge-B-Unique-ID"]
    try:
        yield place, events
    finally:
        api(esl, "hupall NORMAL_CLEARING")
        for phone in phones:
            phone.stop()
        events.close()
        for number, port in ports.items():
            register(sip_address, number, served[number], port, expires=0)
    assert not no_channel_left(fs_address)
