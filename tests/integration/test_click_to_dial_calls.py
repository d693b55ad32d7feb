"""Click-to-dial on the real switch: 101 clicks "call" for 102 in the portal; switchctl
serve sends ``bgapi originate`` and the switch rings 101's registered phone (sipp, which
answers), then dials 102 through our dialplan as 101's own call: the dialplan knows the
caller as 101 (its caller marks, ``spymap/101``, are set), and 102's phone rings showing
101 and its name; the call's record (the CDR of the leg the switch rang 101 on) is 101's
internal call to 102, answered, in both extensions' call records (services.call_records,
as the portal reads them), not a call from 102. And a phone that is not registered is told
at once, nothing rung."""

import json
import time
import urllib.request
import uuid

import pytest
import requests

from switchctl.esl.click_to_dial import background_job
from switchctl.freeswitch.commands import click_to_dial_originate
from switchctl.models import Domain, Extension
from switchctl.services.call_records import CallQuery, search
from tests.clients.portal import csrf_token, log_in_http
from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import SwitchEvents, answering_phone, executing
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_voicemail_calls import no_channel_left
from tests.integration.test_wakeup_calls import in_domain

pytestmark = pytest.mark.integration

CALLER, TARGET = "101", "102"
FLASH = 'class="flash" role="status">'
ERROR = 'class="error" role="alert">'


def states(served):
    with urllib.request.urlopen(f"http://{served.switch}/status", timeout=5) as response:
        return json.load(response)["extensions"]


def until(probe, seconds, what):
    deadline = time.monotonic() + seconds
    while not (result := probe()):
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {seconds} s")
        time.sleep(0.05)
    return result


def calls_of(served, number, kind):
    """Extension ``number``'s call records of ``kind``, as its call-records page finds them:
    ``(uuid, direction, caller, callee, caller extension, callee extension, disposition)``."""
    def work():
        extension = (Extension.select().join(Domain)
                     .where(Domain.name == "pbx.local", Extension.number == number).get())
        records, _ = search(CallQuery(extension.domain_id, extension_id=extension.id,
                                      kind=kind))
        return [(r.uuid, r.direction, r.caller_number, r.callee_number,
                 r.caller_extension and r.caller_extension.number,
                 r.callee_extension and r.callee_extension.number, r.disposition)
                for r in records]
    return in_domain(served, work)


def dial(served, number):
    """Log in as 101 and press the call button of ``number``: the page it lands on."""
    base = f"http://{served.http}"
    session = requests.Session()
    log_in_http(session, base, CALLER, served[CALLER])
    token = csrf_token(session.get(f"{base}/extensions", timeout=10).text)
    started = time.monotonic()
    response = session.post(f"{base}/dial", data={"csrf_token": token, "number": number,
                                                  "next": "/extensions"}, timeout=10)
    assert time.monotonic() - started < 3  # the page does not wait for the call
    assert response.status_code == 200 and response.url == f"{base}/extensions"
    return response.text


def test_click_to_dial_rings_the_users_phone_then_the_number(
        served, sip_address, fs_address, esl):
    for number in (CALLER, TARGET):
        api(esl, f"sofia profile internal flush_inbound_reg {number}@pbx.local")
    caller_port, target_port = free_udp_port(), free_udp_port()
    assert register(sip_address, CALLER, served[CALLER], caller_port)
    assert register(sip_address, TARGET, served[TARGET], target_port)
    until(lambda: states(served)[CALLER] == states(served)[TARGET] == "idle", 10,
          "both phones idle in switchctl's live view")
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ("CHANNEL_ANSWER", "CHANNEL_EXECUTE", "CHANNEL_BRIDGE",
                           "CHANNEL_HANGUP_COMPLETE"))
    # Each answers (G.711 A-law, as the other: the switch bridges without transcoding),
    # speaks, and waits for the switch's BYE.
    desk = answering_phone(port=caller_port)
    target = answering_phone(port=target_port)
    uuid = None
    try:
        page = dial(served, TARGET)
        assert f"{FLASH}Calling {TARGET}: answer your phone<" in page, page
        answered = events.next(lambda e: e["Event-Name"] == "CHANNEL_ANSWER"
                               and e["Caller-Destination-Number"] == CALLER, timeout=10,
                               what="101's desk phone answering")
        uuid = answered["Unique-ID"]
        # 101's phone was shown whom it is about to call.
        assert answered["Caller-Caller-ID-Number"] == TARGET
        # The dialplan took the leg as 101's own call: its caller marks, then the bridge.
        events.next(executing("hash", uuid, f"insert/pbx.local-spymap/{CALLER}/"), timeout=10,
                    what="the dialplan's caller marks for 101")
        events.next(executing("bridge", uuid, f"user/{TARGET}@pbx.local"), timeout=10,
                    what="the bridge to 102")
        rung = events.next(lambda e: e["Event-Name"] == "CHANNEL_ANSWER"
                           and e["Unique-ID"] != uuid
                           and e["Caller-Destination-Number"] == TARGET, timeout=10,
                           what="102 answering")
        # 102 saw the call come from 101 (its directory caller id), not from itself.
        assert rung["Caller-Caller-ID-Number"] == CALLER
        assert rung["Caller-Caller-ID-Name"] == "Reception"  # 101's name in the demo office
        # 102's answer comes just before the bridge: hanging up in between would be a
        # call ended while 102 was still being connected (recorded as cancelled).
        events.next(lambda e: e["Event-Name"] == "CHANNEL_BRIDGE" and e["Unique-ID"] == uuid,
                    timeout=10, what="the bridge of 101 and 102")
        api(esl, f"uuid_kill {uuid}")
        events.next(lambda e: e["Event-Name"] == "CHANNEL_HANGUP_COMPLETE"
                    and e["Unique-ID"] == uuid, timeout=10, what="the call's end")
        assert desk.wait(timeout=15) == 0 and target.wait(timeout=15) == 0
        # Recorded as 101 dialling 102 (the CDR is posted before the hang-up completes).
        record = (uuid, "internal", CALLER, TARGET, CALLER, TARGET, "ANSWERED")
        assert until(lambda: [r for r in calls_of(served, CALLER, "internal")
                              if r[0] == uuid], 10, "101's call record") == [record]
        assert [r for r in calls_of(served, TARGET, "internal") if r[0] == uuid] == [record]
        assert not [r for r in calls_of(served, CALLER, "inbound") if r[0] == uuid]
    finally:
        if uuid is not None:
            api(esl, f"uuid_kill {uuid}")  # when the test failed half-way
        desk.stop()
        target.stop()
        events.close()
        for number, port in ((CALLER, caller_port), (TARGET, target_port)):
            register(sip_address, number, served[number], port, expires=0)
    assert not no_channel_left(fs_address)


def test_a_phone_not_registered_is_told_at_once(served, esl, fs_address):
    """By the live view before anything is sent; and the switch's own answer, when the
    live view has not heard yet, is read in time on click-to-dial's connection."""
    api(esl, f"sofia profile internal flush_inbound_reg {CALLER}@pbx.local")
    until(lambda: states(served)[CALLER] == "unavailable", 10, "101 unavailable")
    page = dial(served, TARGET)
    assert f"{ERROR}Your phone (extension {CALLER}) is not registered" in page, page
    command = click_to_dial_originate(str(uuid.uuid4()), CALLER, "pbx.local", TARGET, 30)
    assert background_job(fs_address, fs_password(), command, 5) == \
        "-ERR USER_NOT_REGISTERED"
