"""CDR intake on FreeSWITCH's real posts (tests/data/freeswitch/xml_cdr)."""

import io
import logging
from urllib.parse import quote

import pytest

from switchctl.models import CallRecord, Extension
from switchctl.passwords import sip_ha1
from switchctl.services.call_records import CallQuery, search
from switchctl.services.extensions import add_extension
from switchctl.xml_cdr.parse import CdrError, decode_body, parse_cdr
from tests.builders.captures import DATA, FS_DOMAIN, payload
from tests.builders.database import drop_table, refuse_inserts
from tests.builders.dialplan import call, steps_of

pytestmark = pytest.mark.both_databases

CONTENT_TYPES = {
    "2a_answered_encode_true_a_leg": "application/x-www-form-urlencoded",
    "2a_answered_encode_true_b_leg": "application/x-www-form-urlencoded",
    "2b_busy_486_encode_true_a_leg": "application/x-www-form-urlencoded",
    "2b_busy_486_encode_true_b_leg": "application/x-www-form-urlencoded",
    "2c_unregistered_user_1002_encode_true_a_leg": "application/x-www-form-urlencoded",
    "2d_answered_encode_false_a_leg": "application/x-www-form-plaintext",
    "2d_answered_encode_false_b_leg": "application/x-www-form-plaintext",
    "2e_unregistered_encode_base64_a_leg": "application/x-www-form-base64-encoded",
    "2f_unregistered_encode_textxml_a_leg": "text/xml",
    "2g_outbound_socket_5000_encode_true_a_leg": "application/x-www-form-urlencoded",
}
ANSWERED = "2a_answered_encode_true_a_leg"


def body(name):
    return payload(f"xml_cdr/{name}.body.txt")


def cdr_xml(name):
    return payload(f"xml_cdr/{name}.cdr.xml").decode()


@pytest.fixture
def fs_office(db, capture_domain):
    """Extensions 1000-1002 of the capture run (domain 127.0.0.1)."""
    for number in ("1000", "1001", "1002"):
        extension, _ = add_extension(capture_domain, number, f"Extension {number}", "x" * 12)
        extension.sip_ha1 = sip_ha1(number, FS_DOMAIN, "1234")
        extension.save()
    return capture_domain


def post_cdr(client, data, content_type, uuid="a_x"):
    return client.post(f"/cdr?uuid={uuid}", data=data, content_type=content_type)


def test_every_capture_set_lists_its_content_type():
    captured = {p.name[:-len(".body.txt")] for p in (DATA / "xml_cdr").glob("*.body.txt")}
    assert captured == set(CONTENT_TYPES)


@pytest.mark.parametrize("name", sorted(CONTENT_TYPES))
def test_every_encoding_decodes_to_the_captured_xml(name):
    decoded = decode_body(body(name), CONTENT_TYPES[name])
    assert decoded.strip() == cdr_xml(name).strip()


@pytest.mark.parametrize("name", sorted(CONTENT_TYPES))
def test_bodies_are_recognised_whatever_their_label(client, fs_office, name):
    """With disable-100-continue, FreeSWITCH 1.10.12 labels every CDR post
    application/x-www-form-urlencoded (seen on the real switch with encode=textxml)."""
    response = post_cdr(client, body(name), "application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert CallRecord.select().count() == (0 if "b_leg" in name else 1)


def test_answered_call_between_two_extensions_is_internal(client, fs_office):
    response = post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED])
    assert (response.status_code, response.data) == (200, b"stored\n")
    (record,) = CallRecord.select()
    assert (record.uuid, record.direction, record.disposition) == \
        ("3f797751-8615-42f0-b800-3d3021009ef6", "internal", "ANSWERED")
    assert (record.caller_number, record.callee_number) == ("1000", "1001")
    assert record.caller_extension.number == "1000" and record.callee_extension.number == "1001"
    assert (record.duration, record.billsec) == (3, 3)
    assert record.answer is not None and record.end > record.start


@pytest.mark.parametrize(("name", "disposition", "cause"), [
    ("2b_busy_486_encode_true_a_leg", "BUSY", "USER_BUSY"),
    ("2c_unregistered_user_1002_encode_true_a_leg", "UNAVAILABLE", "USER_NOT_REGISTERED"),
    ("2e_unregistered_encode_base64_a_leg", "UNAVAILABLE", "USER_NOT_REGISTERED"),
    ("2f_unregistered_encode_textxml_a_leg", "UNAVAILABLE", "USER_NOT_REGISTERED"),
    ("2d_answered_encode_false_a_leg", "ANSWERED", "NORMAL_CLEARING"),
])
def test_unanswered_calls_keep_why(client, fs_office, name, disposition, cause):
    assert post_cdr(client, body(name), CONTENT_TYPES[name]).status_code == 200
    (record,) = CallRecord.select()
    assert (record.disposition, record.hangup_cause, record.billsec) == \
        (disposition, cause, 3 if disposition == "ANSWERED" else 0)


@pytest.mark.parametrize("name", ["2a_answered_encode_true_b_leg",
                                  "2b_busy_486_encode_true_b_leg"])
def test_b_legs_are_accepted_but_not_stored(client, fs_office, name):
    response = post_cdr(client, body(name), CONTENT_TYPES[name], uuid="x")
    assert (response.status_code, response.data) == (200, b"skipped\n")
    assert CallRecord.select().count() == 0


def test_the_same_record_twice_is_stored_once(client, fs_office):
    for _ in range(2):
        assert post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED]).status_code == 200
    assert post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED]).data == b"duplicate\n"
    assert CallRecord.select().count() == 1
    # The refused insert left nothing half-open: the next record is stored.
    other = variant([("3f797751-8615-42f0-b800-3d3021009ef6",
                      "3f797751-8615-42f0-b800-3d3021009ef7")])
    assert post_cdr(client, other.encode(), "text/xml").data == b"stored\n"
    assert CallRecord.select().count() == 2


def variant(replacements):
    text = cdr_xml(ANSWERED)
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def test_outside_caller_is_inbound(client, fs_office):
    xml = variant([("<sip_authorized>true</sip_authorized>", ""),
                   ("<context>default</context>", "<context>public</context>"),
                   ("<caller_id_number>1000</caller_id_number>",
                    "<caller_id_number>13800000000</caller_id_number>")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    (record,) = CallRecord.select()
    assert (record.direction, record.caller_number, record.caller_extension) == \
        ("inbound", "13800000000", None)
    assert record.callee_extension.number == "1001"


def test_call_out_through_the_trunk_is_outbound_without_the_prefix(client, fs_office):
    xml = variant([("<destination_number>1001</destination_number>",
                    "<destination_number>985337106</destination_number>")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    (record,) = CallRecord.select()
    assert (record.direction, record.callee_number, record.callee_extension) == \
        ("outbound", "85337106", None)


def test_forwarded_call_is_kept_as_dialled(client, fs_office):
    """A transfer adds callflows; the record keeps the number the caller dialled."""
    xml = variant([('profile_index="1"', 'profile_index="2"')])
    first_flow = xml.index("<callflow")
    original = xml[first_flow:xml.index("</callflow>") + len("</callflow>")]
    xml = xml.replace(original, original.replace("<destination_number>1001<",
                                                 "<destination_number>1002<")
                      + original.replace('profile_index="2"', 'profile_index="1"'))
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    assert CallRecord.get().callee_number == "1001"


@pytest.mark.parametrize(("data", "content_type"), [
    (b"", "application/x-www-form-urlencoded"),
    (b"cdr=", "application/x-www-form-urlencoded"),
    (b"cdr=%3Cnot-xml", "application/x-www-form-urlencoded"),
    (b"garbage", "application/x-www-form-urlencoded"),
    (b"cdr=***", "application/x-www-form-base64-encoded"),
    (b"<cdr><variables/></cdr>", "text/xml"),
    (b"<html/>", "text/xml"),
    (b"cdr=<cdr/>", "application/json"),
    (b"cdr=%ZZnot", "application/x-www-form-urlencoded"),
    (b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><cdr>&b;</cdr>', "text/xml"),
    (("cdr=" + quote(cdr_xml(ANSWERED).replace("1795661614", "soon"))).encode(),
     "application/x-www-form-urlencoded"),
])
def test_malformed_posts_get_400_and_a_log_line(client, fs_office, caplog, data,
                                                content_type):
    caplog.set_level(logging.DEBUG)
    response = post_cdr(client, data, content_type)
    assert response.status_code == 400
    assert CallRecord.select().count() == 0
    assert any("refused" in r.getMessage() for r in caplog.records)
    assert not [r for r in caplog.records if r.exc_info]


def test_a_database_failure_answers_an_error_so_freeswitch_retries(client, fs_office, db):
    drop_table(db, "call_record")
    response = post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED])
    assert response.status_code == 503


def test_cdr_posts_from_outside_the_allow_list_are_refused(client, fs_office):
    response = client.post("/cdr", data=body(ANSWERED), content_type=CONTENT_TYPES[ANSWERED],
                           environ_base={"REMOTE_ADDR": "192.0.2.9"})
    assert response.status_code == 403


def test_parse_rejects_a_cdr_without_uuid():
    with pytest.raises(CdrError, match="uuid"):
        parse_cdr(variant([("<uuid>3f797751-8615-42f0-b800-3d3021009ef6</uuid>", "")]))


def test_blacklist_last_caller_works_from_stored_records(client, fs_office):
    xml = variant([("<sip_authorized>true</sip_authorized>", ""),
                   ("<context>default</context>", "<context>public</context>"),
                   ("<caller_id_number>1000</caller_id_number>",
                    "<caller_id_number>13800000000</caller_id_number>")])
    post_cdr(client, xml.encode(), "text/xml")
    steps = steps_of(client, call("1001", "*76#", domain_name=FS_DOMAIN))
    assert ("say", "en number iterated 13800000000") in steps


def test_a_variable_named_after_an_odd_sip_header_does_not_cost_the_record(client, fs_office):
    """X-a!b becomes the variable sip_h_X-a!b, which is no XML name."""
    xml = variant([("<sip_authorized>", "<sip_h_X-a!b>x</sip_h_X-a!b><sip_authorized>")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    assert CallRecord.select().count() == 1


def test_a_record_without_any_domain_here_stays_with_freeswitch(client, db):
    response = post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED])
    assert response.status_code == 503


def test_caller_profile_fields_are_taken_as_written():
    xml = variant([("<caller_id_name>Sipp 1000</caller_id_name>",
                    "<caller_id_name>100%41 sure</caller_id_name>")])
    assert parse_cdr(xml).caller_name == "100%41 sure"


def test_a_body_over_the_limit_is_refused_without_being_read(client, fs_office):
    from switchctl.xml_curl.app import MAX_CDR_BODY

    response = client.post("/cdr", data=b"x" * (MAX_CDR_BODY + 1), content_type="text/xml")
    assert response.status_code == 413
    assert CallRecord.select().count() == 0


def test_a_record_refused_for_another_reason_than_a_repeat_is_retried(client, fs_office, db):
    """E.g. the extension it names was removed between reading and storing: not a
    duplicate, so FreeSWITCH must keep it and retry (503), not drop it (200)."""
    refuse_inserts(db, "call_record")
    response = post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED])
    assert response.status_code == 503
    assert CallRecord.select().count() == 0


ANSWERED_UUID = "3f797751-8615-42f0-b800-3d3021009ef6"


@pytest.mark.parametrize(("old", "new"), [
    ("<start_epoch>1795661614<", "<start_epoch>100000000000000000000<"),
    ("<start_epoch>1795661614<", "<start_epoch>1e20<"),
    ("<start_epoch>1795661614<", "<start_epoch>12<"),
    ("<end_epoch>1795661617<", "<end_epoch>1000000000000000000<"),
    ("<answer_epoch>1795661614<", "<answer_epoch>99999999999<"),
    ("<duration>3<", f"<duration>{2**63}<"),
    ("<billsec>3<", f"<billsec>{2**31}<"),
    ("<duration>3<", "<duration>" + "9" * 5000 + "<"),
    ("<duration>3<", "<duration>%D9%A3<"),  # an Arabic-Indic 3: a digit to int(), not to us
    (f"<uuid>{ANSWERED_UUID}<", "<uuid>" + "a" * 100_000 + "<"),
    (f"<uuid>{ANSWERED_UUID}<", "<uuid>" + "a" * 65 + "<"),
    (f"<uuid>{ANSWERED_UUID}<", f"<uuid>{ANSWERED_UUID}%0Aforged log line<"),
    (f"<uuid>{ANSWERED_UUID}<", f"<uuid>{ANSWERED_UUID}%00<"),
    (f"<uuid>{ANSWERED_UUID}<", "<uuid>a b<"),
    (f"<uuid>{ANSWERED_UUID}<", "<uuid>-rf<"),
])
def test_out_of_range_numbers_and_odd_uuids_are_refused_with_a_log_line(
        client, fs_office, caplog, old, new):
    caplog.set_level(logging.INFO)
    response = post_cdr(client, variant([(old, new)]).encode(), "text/xml")
    assert response.status_code == 400
    assert CallRecord.select().count() == 0
    (line,) = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert "\n" not in line and "\0" not in line and len(line) < 300
    assert not [r for r in caplog.records if r.exc_info]


@pytest.mark.parametrize("uuid", ["a" * 64, "my-call.2:leg_1@pbx.local", "12345"])
def test_uuids_set_by_hand_are_stored(client, fs_office, uuid):
    """An origination_uuid may be any plain token FreeSWITCH accepts."""
    response = post_cdr(client, variant([(f"<uuid>{ANSWERED_UUID}<", f"<uuid>{uuid}<")])
                        .encode(), "text/xml")
    assert (response.status_code, response.data) == (200, b"stored\n")
    assert CallRecord.get().uuid == uuid


def test_text_fields_are_stored_bounded_and_without_control_characters(client, fs_office):
    xml = variant([("<hangup_cause>NORMAL_CLEARING<", "<hangup_cause>NORMAL%00_%0ACLEARING<"),
                   ("<caller_id_name>Sipp 1000<", "<caller_id_name>" + "N" * 500 + "<"),
                   ("<destination_number>1001</destination_number>",
                    "<destination_number>" + "7" * 500 + "</destination_number>")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    (record,) = CallRecord.select()
    assert record.hangup_cause == "NORMAL_CLEARING"
    assert (record.caller_name, record.callee_number) == ("N" * 80, "7" * 64)


def test_a_call_of_the_longest_duration_allowed_is_stored(client, fs_office):
    xml = variant([("<duration>3<", f"<duration>{2**31 - 1}<")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    assert CallRecord.get().duration == 2**31 - 1


def test_an_unexpected_error_answers_5xx_and_a_log_line_so_freeswitch_keeps_it(
        client, fs_office, caplog, monkeypatch):
    from switchctl.xml_cdr import intake

    def broken(cdr, default_domain):
        raise RuntimeError("something nobody foresaw")

    monkeypatch.setattr(intake, "record_call", broken)
    caplog.set_level(logging.INFO)
    response = post_cdr(client, body(ANSWERED), CONTENT_TYPES[ANSWERED])
    assert response.status_code == 503
    assert b"Traceback" not in response.data and b"nobody" not in response.data
    (line,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert ANSWERED_UUID in line and "something nobody foresaw" in line
    assert not [r for r in caplog.records if r.exc_info and r.levelno > logging.DEBUG]


def test_a_chunked_body_over_the_limit_is_413_not_cut(client, fs_office):
    """gevent's server gives a chunked body as a stream without Content-Length."""
    from switchctl.xml_curl.app import MAX_CDR_BODY

    big = cdr_xml(ANSWERED).replace("<variables>", "<variables><x>" + "x" * MAX_CDR_BODY + "</x>")
    response = client.post("/cdr", input_stream=io.BytesIO(big.encode()),
                           headers={"Transfer-Encoding": "chunked", "Content-Type": "text/xml"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413
    assert CallRecord.select().count() == 0


def test_a_chunked_body_under_the_limit_is_read_whole(client, fs_office):
    response = client.post("/cdr", input_stream=io.BytesIO(body(ANSWERED)),
                           headers={"Transfer-Encoding": "chunked",
                                    "Content-Type": CONTENT_TYPES[ANSWERED]},
                           environ_overrides={"wsgi.input_terminated": True})
    assert (response.status_code, response.data) == (200, b"stored\n")


# Click-to-dial (tests/data/freeswitch/click_to_dial): 101 clicked "call" for 102 in the
# portal; the switch rang 101's phone (the originate's leg, whose CDR this is), then ran the
# dialplan for 102 on it. Extension 101 and 102 are the office's (domain pbx.local).
CLICKED = "click_to_dial/answered_101_to_102.body.txt"
CLICKED_UUID = "4d2dabc9-0be0-4d28-8fe7-93e150a8bbea"


def clicked(replacements=(), name=CLICKED):
    text = payload(name).decode()
    for old, new, *count in replacements:
        assert old in text, old
        text = text.replace(old, new, *count)
    return text.encode()


def calls_of(extension_number, office, kind="all"):
    extension = office.extensions.where(Extension.number == extension_number).get()
    records, _ = search(CallQuery(office.id, extension_id=extension.id, kind=kind))
    return records


def test_a_click_to_dial_call_is_the_users_own_call_to_the_number(client, office):
    """Captured on the real switch: stored as 101's internal call to 102, answered when 102
    answered, found among 101's internal calls (not as 102 calling 101)."""
    response = post_cdr(client, payload(CLICKED), "application/x-www-form-urlencoded")
    assert (response.status_code, response.data) == (200, b"stored\n")
    (record,) = calls_of("101", office, kind="internal")
    assert (record.uuid, record.direction, record.disposition) == \
        (CLICKED_UUID, "internal", "ANSWERED")
    assert (record.caller_number, record.caller_name, record.callee_number) == \
        ("101", "Reception", "102")
    assert (record.caller_extension.number, record.callee_extension.number) == ("101", "102")
    assert (record.duration, record.billsec) == (2, 2) and record.answer is not None
    assert calls_of("102", office, kind="inbound") == []  # 102's view: internal too
    assert [r.uuid for r in calls_of("102", office, kind="internal")] == [CLICKED_UUID]


@pytest.mark.parametrize(("name", "uuid", "disposition"), [
    # 101 answered; 102's phone was busy (486): the dialplan's bridge failed, the voicemail
    # flow played its prompt and hung up. 101's own answer is not 102's.
    ("click_to_dial/target_busy_102.body.txt", "5e97918c-5707-4514-b800-08ae0e9e85f4", "BUSY"),
    # 101 answered and hung up while 102 rang: cancelled, as a dialled call would be.
    ("click_to_dial/cancelled_while_102_rings.body.txt",
     "9c51fa31-9d83-46c5-8119-bb6d9ab8d8e7", "CANCELLED"),
    # 101's own phone was busy: the originate failed, the dialplan never ran.
    ("click_to_dial/own_phone_busy_101.body.txt", "3944042f-6b33-4686-9374-e8fce8a5d84e",
     "BUSY"),
])
def test_a_click_to_dial_call_that_did_not_connect_is_the_users_unanswered_call(
        client, office, name, uuid, disposition):
    assert post_cdr(client, payload(name), "text/xml").status_code == 200
    (record,) = CallRecord.select()
    assert (record.uuid, record.direction, record.disposition, record.billsec) == \
        (uuid, "internal", disposition, 0)
    assert record.answer is None
    assert (record.caller_extension.number, record.callee_number) == ("101", "102")


def test_a_click_to_dial_call_out_through_the_trunk_is_the_users_outbound_call(
        client, office):
    # The dialplan's caller profile (profile_index 2, first in the document) dialled out.
    xml = clicked([("<destination_number>102</destination_number>",
                    "<destination_number>985337106</destination_number>", 1)])
    assert post_cdr(client, xml, "text/xml").status_code == 200
    (record,) = calls_of("101", office, kind="outbound")
    assert (record.callee_number, record.callee_extension, record.caller_extension.number) == \
        ("85337106", None, "101")


FORGED = {
    # An inbound leg (a SIP phone's or a browser's call) carrying the mark.
    "inbound leg": [("<is_outbound>true</is_outbound>", ""),
                    ("<variables>\n    <direction>outbound</direction>",
                     "<variables>\n    <direction>inbound</direction>")],
    # A caller profile not made by an originate.
    "sofia profile": [("<source>src/switch_ivr_originate.c</source>\n      <context>default"
                       "</context>\n      <chan_name>sofia/internal/101@",
                       "<source>mod_sofia</source>\n      <context>default</context>\n"
                       "      <chan_name>sofia/internal/101@")],
    # Another user than the one the originate rang.
    "other user": [("<presence_id>101%40pbx.local</presence_id>",
                    "<presence_id>105%40pbx.local</presence_id>")],
    "other domain": [("<dialed_domain>pbx.local</dialed_domain>",
                      "<dialed_domain>other.example</dialed_domain>")],
    # A B leg.
    "b leg": [("<uuid>4d2dabc9", "<originating_leg_uuid>x</originating_leg_uuid><uuid>4d2dabc9",
               1)],
    "no mark": [("<switchctl_click_to_dial>true</switchctl_click_to_dial>", "")],
    "mark not true": [("<switchctl_click_to_dial>true</switchctl_click_to_dial>",
                       "<switchctl_click_to_dial>yes</switchctl_click_to_dial>")],
}


def test_the_mark_alone_is_not_believed():
    """Only a leg the switch originated itself to the user it names is read as that user's
    call; any other is read as any CDR (the originate's profile: from 102 to 101)."""
    assert parse_cdr(clicked().decode()).user_name == "101"
    for why, replacements in FORGED.items():
        cdr = parse_cdr(clicked(replacements).decode())
        assert (cdr.caller_number, cdr.destination, cdr.user_name) == ("102", "101", ""), why


def test_an_outside_caller_with_the_mark_stays_an_outside_caller(client, fs_office):
    xml = variant([("<sip_authorized>true</sip_authorized>",
                    "<switchctl_click_to_dial>true</switchctl_click_to_dial>"
                    "<presence_id>1000%40127.0.0.1</presence_id>"
                    "<dialed_user>1000</dialed_user><dialed_domain>127.0.0.1</dialed_domain>"),
                   ("<context>default</context>", "<context>public</context>"),
                   ("<caller_id_number>1000</caller_id_number>",
                    "<caller_id_number>13800000000</caller_id_number>")])
    assert post_cdr(client, xml.encode(), "text/xml").status_code == 200
    (record,) = CallRecord.select()
    assert (record.direction, record.caller_number, record.caller_extension) == \
        ("inbound", "13800000000", None)
