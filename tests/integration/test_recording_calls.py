"""One-touch recording on the real switch: 101 calls 102 (a phone that answers and
speaks), presses ``*1`` during the call, then ``*1`` again; the WAV is there afterwards,
with sound, and its row names the call's record, which both extensions find."""

import json
import time
import wave

import pytest

from switchctl.models import CallRecord, Domain, Extension, Recording
from switchctl.services import recordings
from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import SwitchEvents, answering_phone, talking_call
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_voicemail_calls import no_channel_left
from tests.integration.test_wakeup_calls import in_domain

pytestmark = pytest.mark.integration


def bridged_rows(esl, seconds=15):
    """The switch's two channel rows (``show channels as json``) once it has one bridged
    call: both legs answered."""
    deadline = time.monotonic() + seconds
    rows = []
    while time.monotonic() < deadline:
        rows = json.loads(api(esl, "show channels as json")).get("rows") or []
        if len(rows) == 2 and all(row.get("callstate") == "ACTIVE" for row in rows):
            return rows
        time.sleep(0.1)
    raise AssertionError(f"the call was not bridged: {rows}")


def bridged_legs(esl, seconds=15):
    """``(calling leg, leg rung)`` uuids once the switch has one bridged call."""
    rows = bridged_rows(esl, seconds)
    calling = next(row["uuid"] for row in rows if row["direction"] == "inbound")
    rung = next(row["uuid"] for row in rows if row["direction"] == "outbound")
    return calling, rung


def test_star_1_records_the_call_into_a_file_its_record_links(
        served, sip_address, fs_address, esl):
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ["RECORD_START", "RECORD_STOP"])
    callee = answering_phone(port=port)
    caller = talking_call(sip_address, "101", served["101"], "102", talk=9)
    try:
        calling, rung = bridged_legs(esl)
        assert api(esl, f"uuid_recv_dtmf {calling} ~*1").startswith("+OK")
        start = events.next(lambda e: e["Event-Name"] == "RECORD_START", timeout=10,
                            what="RECORD_START")
        time.sleep(3)
        assert api(esl, f"uuid_recv_dtmf {calling} ~*1").startswith("+OK")
        stop = events.next(lambda e: e["Event-Name"] == "RECORD_STOP", timeout=10,
                           what="RECORD_STOP")
        assert stop["Record-File-Path"] == start["Record-File-Path"]
        assert stop["Unique-ID"] == calling
        caller.wait()
    finally:
        caller.stop()
        callee.stop()
        events.close()
    assert not no_channel_left(fs_address, seconds=10)

    def stored():
        rows = list(Recording.select())
        call = CallRecord.get_or_none(CallRecord.uuid == calling)
        return rows, call
    deadline = time.monotonic() + 10
    while True:
        rows, call = in_domain(served, stored)
        if (rows and rows[0].duration and call) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    (row,) = rows
    assert row.call_uuid == calling and call is not None
    assert row.extension.number == "101"
    assert 2 <= row.duration <= 6
    path = served.media / row.path
    with wave.open(str(path), "rb") as audio:
        assert audio.getnframes() / audio.getframerate() >= 2
    assert stop["Record-File-Path"] == f"{served.switch_media}/{row.path}"

    def found_by(number):
        extension = (Extension.select().join(Domain)
                     .where(Domain.name == "pbx.local", Extension.number == number).get())
        return [r.id for r in recordings.recordings(extension).recordings]
    assert in_domain(served, lambda: found_by("101")) == [row.id]
    assert in_domain(served, lambda: found_by("102")) == [row.id]  # the other end's too
