"""Transfers on the real switch: 101 calls 102 (both answer, sending RTP all along, as a
phone does: the switch runs an in-call code between the frames it reads), then

- 102 presses ``#105`` (a blind transfer by DTMF, uuid_recv_dtmf with ``~``, as the keys of
  a phone): our in_call answer on 102's leg sends 101 on to 105 through the transfer
  context; 105 rings showing 101, answers, 101 and 105 talk, 102's leg has ended;
- 101 presses ``*2105`` (attended): 105 rings while 102 waits, 105 answers, 101 hangs up:
  102 and 105 talk;
- 101's phone presses its transfer key: a blind SIP REFER to 105 (sipp refer_caller.xml):
  sofia sends 102 on to 105 as 102's own call; 105 rings showing 102, 101's phone is let go;
- and the attended form: 101 has called 105 first; its REFER of 102 with Replaces (that
  consultation call's dialog) joins 102 and 105, both of 101's calls end;
- a party sent on by ``#105`` and then referred by 105's phone to ``<transferor>*<number>``
  is routed as its own call, not with the transferor's rights;
- an attended transfer cancelled with ``*``, and one to a busy phone: 101 is back with 102.
"""

import time
from urllib.parse import quote

import pytest

from tests.integration.conftest import api
from tests.integration.media_phones import Phone, busy_phone, executing, media_port
from tests.integration.office_calls import WAIT, silence_pcap
from tests.integration.sip_phones import SCENARIOS, free_udp_port, register

pytestmark = pytest.mark.integration


def answered_by_105(events):
    return events.next(lambda e: e["Event-Name"] == "CHANNEL_ANSWER"
                       and e["Caller-Destination-Number"] == "105"
                       and e["Call-Direction"] == "outbound", timeout=WAIT, what="105 answering")


def bridged_with(events, uuid, other):
    return events.next(lambda e: e["Event-Name"] == "CHANNEL_BRIDGE"
                       and {e["Bridge-A-Unique-ID"], e["Bridge-B-Unique-ID"]} == {uuid, other},
                       timeout=WAIT, what="the transferred party bridged with 105",
                       earlier=True)


def test_blind_transfer_by_dtmf_sends_the_caller_on(office_call, esl):
    place, events = office_call
    _, caller, callee = place("stay_talking.xml")
    assert api(esl, f"uuid_recv_dtmf {callee} ~#105").startswith("+OK")
    events.next(executing("transfer", callee, "-bleg 102*105 XML transfer"), timeout=WAIT,
                what="our in_call answer on 102's leg")
    rung = answered_by_105(events)
    assert rung["Caller-Caller-ID-Number"] == "101"  # the caller's own caller ID
    bridged_with(events, caller, rung["Unique-ID"])
    events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                and e["Unique-ID"] == callee, timeout=WAIT, what="102's leg ending",
                earlier=True)
    assert api(esl, f"uuid_exists {caller}") == "true"  # 101 talks to 105 now


def test_attended_transfer_by_dtmf_completes_when_the_transferor_hangs_up(office_call, esl):
    place, events = office_call
    _, caller, callee = place("stay_talking.xml")
    assert api(esl, f"uuid_recv_dtmf {caller} ~*2105").startswith("+OK")
    events.next(executing("att_xfer", caller, "user/105@pbx.local"), timeout=WAIT,
                what="our in_call answer on 101's leg")
    rung = answered_by_105(events)
    assert rung["Caller-Caller-ID-Number"] == "101"  # 105 is asked by 101
    legs = {caller, rung["Unique-ID"]}
    events.next(lambda e: e["Event-Name"] == "CHANNEL_BRIDGE"
                and {e["Bridge-A-Unique-ID"], e["Bridge-B-Unique-ID"]} == legs,
                timeout=WAIT, what="101 talking with 105", earlier=True)
    # 101 says a word to 105, then hangs up: 102 and 105 are joined. (Killed within 20 ms
    # of 105's answer, as sipp answers at once, att_xfer lost 105 in a CI run: no person
    # hangs up that fast.)
    time.sleep(1)
    api(esl, f"uuid_kill {caller}")
    bridged_with(events, callee, rung["Unique-ID"])
    assert api(esl, f"uuid_exists {callee}") == "true"


def test_blind_transfer_by_sip_refer_sends_the_other_party_on(office_call, esl, sip_address):
    place, events = office_call
    phone, caller, callee = place("refer_caller.xml", "-d", "1000", "-key", "target",
                                  f"105@{sip_address}", "-aa")
    rung = answered_by_105(events)
    assert rung["Caller-Caller-ID-Number"] == "102"  # 102's leg, as 102's own call
    bridged_with(events, callee, rung["Unique-ID"])
    assert phone.wait(timeout=WAIT) == 0  # 202 Accepted, NOTIFYs, the switch's BYE
    events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                and e["Unique-ID"] == caller, timeout=WAIT, what="101's leg ending",
                earlier=True)
    assert api(esl, f"uuid_exists {callee}") == "true"


def test_attended_transfer_by_sip_refer_with_replaces_joins_the_two_others(
        office_call, esl, sip_address):
    place, events = office_call
    _, consulting, consulted = place("stay_talking.xml", to="105")
    dialog = [api(esl, f"uuid_getvar {consulting} {name}")
              for name in ("sip_call_id", "sip_to_tag", "sip_from_tag")]
    replaces = quote("{};to-tag={};from-tag={}".format(*dialog), safe="")
    phone, caller, callee = place("refer_caller.xml", "-d", "1000", "-key", "target",
                                  f"105@{sip_address}?Replaces={replaces}", "-aa")
    bridged_with(events, callee, consulted)
    assert phone.wait(timeout=WAIT) == 0
    for uuid in (caller, consulting):
        events.next(lambda e, uuid=uuid: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                    and e["Unique-ID"] == uuid, timeout=WAIT, what="101's calls ending",
                    earlier=True)


def test_a_refer_of_a_party_sent_on_borrows_no_transferors_rights(
        office_call, esl, sip_address, served, tmp_path):
    """101 sends 102 on to 105 (``#105``); 105's phone answers, then refers 102's leg to
    ``101*985337106``, as the transfer context's destination would name 101 (who may call
    out). The leg is routed as 102's own call (force_transfer_context), where that is no
    number: refused, nothing dialled through the trunk (before: out with 101's rights)."""
    place, events = office_call
    api(esl, "sofia profile internal flush_inbound_reg 105@pbx.local")
    port = free_udp_port()
    assert register(sip_address, "105", served["105"], port)
    referring = Phone(["sipp", "-sf", str(SCENARIOS / "answer_refer.xml"), "-p", str(port),
                       "-i", "127.0.0.1", "-mp", str(media_port()), "-m", "1", "-nostdin",
                       "-timeout", "20s", "-key", "pcap", str(silence_pcap(tmp_path / "s.pcap")),
                       "-key", "refer_to", "101*985337106", "-key", "caller", "105"],
                      port=port).listening()
    try:
        _, caller, callee = place("stay_talking.xml")
        assert api(esl, f"uuid_recv_dtmf {caller} ~#105").startswith("+OK")
        events.next(executing("transfer", caller, "-bleg 101*105 XML transfer"),
                    timeout=WAIT, what="our in_call answer on 101's leg")
        refused = events.next(executing("hangup", callee), timeout=WAIT + 3,
                              what="102's leg refused after the REFER")
        assert refused["Application-Data"] == "UNALLOCATED_NUMBER"
        assert refused["Caller-Context"] == "default"  # 102's own call, not transfer
        assert refused["Caller-Destination-Number"] == "101*985337106"
        assert not [e for e in events.seen if e["Application"] == "bridge"
                    and "sofia/gateway" in e["Application-Data"]]
        assert referring.wait(timeout=WAIT) == 0  # 202 Accepted, NOTIFYs, the BYE
    finally:
        referring.stop()
        register(sip_address, "105", served["105"], port, expires=0)


def test_attended_transfer_cancelled_with_star_returns_to_the_other_party(office_call, esl):
    """``*`` is also where every other in-call code starts: the digit machine must not
    keep it from att_xfer's cancel key. 105 answers, 101 presses ``*``: 105's leg ends,
    101 is back with 102."""
    place, events = office_call
    _, caller, callee = place("stay_talking.xml")
    assert api(esl, f"uuid_recv_dtmf {caller} ~*2105").startswith("+OK")
    events.next(executing("att_xfer", caller, "user/105@pbx.local"), timeout=WAIT,
                what="our in_call answer on 101's leg")
    rung = answered_by_105(events)
    assert api(esl, f"uuid_recv_dtmf {caller} ~*").startswith("+OK")
    events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                and e["Unique-ID"] == rung["Unique-ID"], timeout=WAIT,
                what="105's leg ending on the cancel key")
    for uuid in (caller, callee):
        assert api(esl, f"uuid_exists {uuid}") == "true"
    assert api(esl, f"uuid_getvar {caller} bridge_uuid") == callee  # 101 talks to 102 again


def test_attended_transfer_to_a_busy_number_returns_to_the_other_party(
        office_call, esl, sip_address, served, tmp_path):
    """105's phone answers 486: att_xfer fails, 101 is back with 102, neither ended."""
    place, events = office_call
    api(esl, "sofia profile internal flush_inbound_reg 105@pbx.local")
    busy = busy_phone(sip_address, "105", served["105"], tmp_path / "105.trace")
    try:
        _, caller, callee = place("stay_talking.xml")
        assert api(esl, f"uuid_recv_dtmf {caller} ~*2105").startswith("+OK")
        events.next(executing("att_xfer", caller, "user/105@pbx.local"), timeout=WAIT,
                    what="our in_call answer on 101's leg")
        refused = events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                              and e["Caller-Destination-Number"] == "105", timeout=WAIT,
                              what="105's leg refused")
        assert refused["Hangup-Cause"] == "USER_BUSY"
        # The code ran inside the bridge (102 held meanwhile): 101 returns to it.
        for uuid in (caller, callee):
            assert api(esl, f"uuid_exists {uuid}") == "true"
        assert api(esl, f"uuid_getvar {caller} bridge_uuid") == callee
        assert not [e for e in events.seen if e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                    and e["Unique-ID"] in (caller, callee)]
    finally:
        busy.stop()
        register(sip_address, "105", served["105"], busy.port, expires=0)
