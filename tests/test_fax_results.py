"""The switch's fax results (real captures: tests/data/freeswitch/fax) as the listener reads
its events (decoded by greenswitch, then fax_results.fax_report) and as the CDR intake
reads a fax leg's record (xml_cdr.parse: Cdr.fax)."""

import pytest
from greenswitch.esl import ESLEvent

from switchctl.freeswitch.fax_results import ENDED, NOT_PLACED, RECEIVED, SENT, fax_report
from switchctl.freeswitch.commands import fax_originate
from switchctl.xml_cdr.parse import decode_body, parse_cdr
from tests.builders.captures import payload

UUID = "11111111-2222-3333-4444-555555555555"


def headers(name):
    return ESLEvent(payload(f"fax/{name}.txt").decode()).headers


def test_a_two_page_fax_sent_and_received():
    sent = fax_report(headers("sent_2_pages_txfaxresult"))
    assert (sent.kind, sent.uuid, sent.job_id, sent.success, sent.code, sent.text) == (
        SENT, UUID, 7, True, 0, "OK")
    assert (sent.pages_transferred, sent.pages_total, sent.remote_station) == (2, 2, "PBX Fax")
    assert sent.file.endswith("/switch-media/tx.tif")
    received = fax_report(headers("sent_2_pages_rxfaxresult"))
    # The stand-in dialplan set no fax number: not one of our receptions.
    assert received is None


def test_a_dropped_fax_reports_its_failure():
    report = fax_report(headers("dropped_txfaxresult"))
    assert (report.success, report.code, report.text, report.pages_transferred) == (
        False, 49, "The call dropped prematurely", 0)


@pytest.mark.parametrize("name, cause", [("busy_hangup_sender", "USER_BUSY"),
                                         ("sent_2_pages_hangup_sender", "NORMAL_CLEARING")])
def test_a_sending_legs_end_carries_its_cause(name, cause):
    report = fax_report(headers(name))
    assert (report.kind, report.uuid, report.job_id, report.hangup_cause) == (
        ENDED, UUID, 7, cause)


def test_a_reception_is_ours_when_our_dialplan_named_its_number():
    found = headers("sent_2_pages_rxfaxresult")
    found["variable_switchctl_fax_number"] = "5550100"
    report = fax_report(found)
    assert (report.kind, report.fax_number, report.success, report.pages_transferred) == (
        RECEIVED, "5550100", True, 2)
    assert report.file.endswith("/switch-media/rx.tif") and report.remote_number == "2000"


def test_what_the_other_side_sends_is_kept_as_one_printable_line():
    """The station id comes from the other fax machine, the number from the trunk: a line
    break in either would break the owner's email (its Subject) and our log lines."""
    found = headers("sent_2_pages_rxfaxresult")
    found.update({"variable_switchctl_fax_number": "5550100",
                  "variable_fax_remote_station_id": "ACME\r\nBcc: x@evil\x00 Fax",
                  "Caller-Caller-ID-Number": "2000\n2001",
                  "variable_fax_result_text": "OK\r\n"})
    report = fax_report(found)
    assert (report.remote_station, report.remote_number, report.text) == (
        "ACME Bcc: x@evil Fax", "2000 2001", "OK")


def test_an_originate_the_switch_refused_ends_its_try_with_the_cause():
    refused = fax_report(headers("busy_background_job"))
    assert (refused.kind, refused.uuid, refused.job_id, refused.hangup_cause) == (
        NOT_PLACED, UUID, 7, "USER_BUSY")  # the try named by the originate's own uuid
    assert fax_report(headers("sent_2_pages_background_job")) is None  # +OK: events tell
    other = headers("busy_background_job")
    other["Job-Command-Arg"] = other["Job-Command-Arg"].replace("switchctl_fax_job", "x")
    assert fax_report(other) is None  # not one of our fax calls (a wake-up call, say)


def test_other_events_and_bad_job_ids_are_not_fax_reports():
    assert fax_report(headers("sent_2_pages_background_job")) is None
    forged = headers("sent_2_pages_txfaxresult")
    forged["variable_switchctl_fax_job"] = "7; drop"
    assert fax_report(forged) is None


def test_the_originate_command_carries_the_header_station_id_and_g711_on_every_try():
    command = fax_originate(UUID, 7, "trunk", "5550100", "/media/fax/sent/a.tif",
                            header="ACME Fax", ident="+33 1 2345", use_ecm=False,
                            caller_id="2000", ring_seconds=45)
    assert command == (
        "bgapi originate {origination_uuid=" + UUID + ",switchctl_fax_job=7,"
        "fax_header='ACME Fax',fax_ident='+33 1 2345',fax_use_ecm=false,fax_enable_t38=false,"
        "fax_enable_t38_request=false,ignore_early_media=true,absolute_codec_string=PCMU\\,PCMA,"
        "origination_caller_id_number='2000',originate_timeout=45}sofia/gateway/trunk/5550100 "
        "'&txfax(/media/fax/sent/a.tif)'\nJob-UUID: " + UUID)


@pytest.mark.parametrize("field", ["header", "ident", "caller_id"])
@pytest.mark.parametrize("text", ["a,b", "it's", "${x}", "a\\b", "line\nbreak"])
def test_text_that_would_break_out_of_the_command_is_refused(field, text):
    with pytest.raises(ValueError):
        fax_originate(UUID, 7, "trunk", "5550100", "/f.tif", **{field: text})


def test_a_number_or_gateway_that_is_not_plain_is_refused():
    with pytest.raises(ValueError):
        fax_originate(UUID, 7, "trunk", "555 0100", "/f.tif")
    with pytest.raises(ValueError):
        fax_originate(UUID, 7, "trunk/x", "5550100", "/f.tif")


def cdr_of(name):
    return parse_cdr(decode_body(payload(f"fax/{name}.body.txt")))


def test_the_sending_legs_cdr_carries_the_same_result_as_its_event():
    event = fax_report(headers("sent_2_pages_txfaxresult"))
    record = cdr_of("sent_2_pages_sender").fax
    assert (record.kind, record.uuid, record.job_id, record.success, record.code,
            record.text, record.pages_transferred, record.pages_total) == (
        SENT, UUID, 7, True, 0, "OK", 2, 2)
    assert (record.remote_station, record.hangup_cause) == (event.remote_station,
                                                            "NORMAL_CLEARING")


def test_a_dropped_fax_reads_the_same_in_its_cdr():
    record = cdr_of("dropped_sender").fax
    assert (record.success, record.code, record.text) == (
        False, 49, "The call dropped prematurely")


def test_a_call_that_is_no_fax_of_ours_has_no_fax_report():
    # The capture's receiving leg was answered by a stand-in that set no fax number.
    assert cdr_of("sent_2_pages_receiver").fax is None
    plain = parse_cdr(decode_body(payload("click_to_dial/answered_101_to_102.body.txt")))
    assert plain.fax is None
