import pytest

from switchctl.xml_curl.request import parse_body, parse_pairs
from tests.builders.captures import DATA, payload

BODIES = sorted(p.name[:-len(".body.txt")] for p in (DATA / "xml_curl").glob("*.body.txt"))


@pytest.mark.parametrize("name", BODIES)
def test_every_captured_body_decodes_to_the_captured_fields(name):
    pairs = parse_pairs(payload(f"xml_curl/{name}.body.txt"))
    expected = payload(f"xml_curl/{name}.fields.txt").decode().rstrip("\n")
    assert "\n".join(f"{k}={v}" for k, v in pairs) == expected


def test_leading_fields_are_raw_and_plus_is_not_a_space():
    request = parse_body(b"hostname=vm&section=directory&tag_name=domain&key_name=name"
                         b"&key_value=a+b&user=10%2B1&x=%20y")
    assert request.section == "directory"
    assert request.get("key_value") == "a+b"
    assert request.user == "10+1"
    assert request.get("x") == " y"


def test_first_value_of_a_repeated_field_wins():
    assert parse_body(b"section=dialplan&section=directory").section == "dialplan"


@pytest.mark.parametrize("body", [b"", b"&&&", b"==", b"%zz=%%", b"\xff\xfe=\x00", b"section"])
def test_garbage_parses_to_an_empty_or_harmless_request(body):
    request = parse_body(body)
    assert (request.section, request.user, request.context) == ("", "", "")


def test_dialplan_capture_exposes_hunt_fields_and_variables():
    request = parse_body(payload("xml_curl/1d_dialplan_default_1001.body.txt"))
    assert (request.section, request.context, request.destination) == \
        ("dialplan", "default", "1001")
    assert request.variable("user_name") == "1000"
    assert request.variable("sip_authorized") == "true"
    assert request.get("tag_name") == request.get("key_value") == ""


@pytest.mark.parametrize("name", BODIES)
def test_every_field_reads_as_its_first_decoded_value(name):
    request = parse_body(payload(f"xml_curl/{name}.body.txt"))
    first = {}
    for key, value in parse_pairs(payload(f"xml_curl/{name}.body.txt")):
        first.setdefault(key, value)
    assert {key: request.get(key) for key in first} == first


def test_a_name_inside_another_field_is_not_mistaken_for_it():
    request = parse_body(b"variable_user_name=101&user_name=999&xuser=5")
    assert request.get("user_name") == "999"
    assert request.variable("user_name") == "101"
    assert request.get("user") == ""
