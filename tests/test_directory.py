import logging

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import Extension
from switchctl.passwords import sip_ha1
from switchctl.services.extensions import add_extension, set_password
from switchctl.xml_curl.app import create_app
from tests.builders.captures import FS_DOMAIN, FS_PASSWORD, fields, xml_curl_body
from tests.builders.database import drop_table
from tests.clients.xml_curl import digest_response, is_not_found, parsed, post

pytestmark = pytest.mark.both_databases

REGISTER = "1a_directory_sip_auth_REGISTER_1000"
INVITE = "1b_directory_sip_auth_INVITE_1000"
USER_CALL = "1c_directory_user_call_1001"
VERTO = "1e_directory_jsonrpc_authenticate_verto"
MESSAGE_COUNT = "1g_directory_message_count_1000"


@pytest.fixture
def fs_users(db, capture_domain):
    """Users 1000 and 1001 as in the captures (password 1234, realm 127.0.0.1)."""
    with db.connection_context():
        for number in ("1000", "1001"):
            extension, _ = add_extension(capture_domain, number, f"Extension {number}",
                                         "placeholder-pw", department="techsupport")
            extension.sip_ha1 = sip_ha1(number, FS_DOMAIN, FS_PASSWORD)
            extension.save()


def user_of(root, number):
    users = root.xpath(f"/document/section[@name='directory']/domain/users/user[@id='{number}']")
    assert len(users) == 1
    return users[0]


def param(element, name):
    return element.xpath(f"params/param[@name='{name}']/@value")


def variable(element, name):
    return element.xpath(f"variables/variable[@name='{name}']/@value")


def test_register_challenge_gets_the_user_whose_a1_hash_verifies_the_phones_digest(
        client, fs_users):
    root = parsed(post(client, xml_curl_body(REGISTER)))
    user = user_of(root, "1000")
    (a1_hash,) = param(user, "a1-hash")
    # The digest sipp sent in the capture verifies against the HA1 we serve.
    assert digest_response(a1_hash, fields(REGISTER)) == fields(REGISTER)["sip_auth_response"]
    assert param(user, "password") == []
    assert user.get("cacheable") is None
    assert root.xpath("//domain/@name") == [FS_DOMAIN]


def test_user_carries_context_caller_id_and_callgroup(client, fs_users):
    user = user_of(parsed(post(client, xml_curl_body(INVITE))), "1000")
    assert variable(user, "user_context") == ["default"]
    assert variable(user, "effective_caller_id_name") == ["Extension 1000"]
    assert variable(user, "effective_caller_id_number") == ["1000"]
    assert variable(user, "callgroup") == ["techsupport"]
    assert param(user, "vm-enabled") == ["true"]


def test_domain_params_carry_a_dial_string_for_sip_and_verto(client, fs_users):
    root = parsed(post(client, xml_curl_body(USER_CALL)))
    user_of(root, "1001")
    (dial_string,) = root.xpath("//domain/params/param[@name='dial-string']/@value")
    assert "${sofia_contact(*/${dialed_user}@${dialed_domain})}" in dial_string
    assert "${verto_contact(${dialed_user}@${dialed_domain})}" in dial_string
    assert root.xpath("//domain/params/param[@name='jsonrpc-allowed-methods']/@value") == \
        ["verto"]


@pytest.mark.parametrize("capture", [VERTO, MESSAGE_COUNT])
def test_verto_login_and_message_count_find_the_user(client, fs_users, capture):
    user_of(parsed(post(client, xml_curl_body(capture))), "1000")


@pytest.mark.parametrize("body", [
    xml_curl_body(REGISTER, user="4242", sip_auth_username="4242"),
    xml_curl_body(REGISTER, domain="other.example", key_value="other.example"),
    xml_curl_body("1g_directory_reverse_auth_lookup_1001"),
    xml_curl_body("1f_directory_purpose_gateways_startup"),
    xml_curl_body("1f_directory_purpose_network_list_startup"),
    xml_curl_body(REGISTER, action="event_socket_auth"),
    b"",
    b"garbage\x00\xff&&=%%",
    b"section=directory&user=1000",
    b"section=nonsense",
    xml_curl_body("1f_configuration_conference_conf_startup"),
])
def test_anything_unknown_gets_not_found_with_200_and_no_traceback(client, fs_users, caplog,
                                                                   body):
    caplog.set_level(logging.DEBUG)
    assert is_not_found(parsed(post(client, body)))
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


def test_disabled_extension_is_not_found(client, fs_users, db):
    with db.connection_context():
        Extension.update(enabled=False).where(Extension.number == "1000").execute()
    assert is_not_found(parsed(post(client, xml_curl_body(REGISTER))))


def test_changed_password_applies_to_the_next_lookup(client, db, domain):
    with db.connection_context():
        extension, _ = add_extension(domain, "101", "Alice", "FirstPass1")
    body = xml_curl_body(REGISTER, user="101", domain=domain.name, key_value=domain.name)
    first = param(user_of(parsed(post(client, body)), "101"), "a1-hash")
    with db.connection_context():
        set_password(Extension.get_by_id(extension.id), "SecondPass2")
    second = param(user_of(parsed(post(client, body)), "101"), "a1-hash")
    assert first == [sip_ha1("101", domain.name, "FirstPass1")]
    assert second == [sip_ha1("101", domain.name, "SecondPass2")]


def test_user_lookup_is_one_query(config, fs_users, db):
    from switchctl.xml_curl import directory
    from switchctl.xml_curl.request import parse_body

    request = parse_body(xml_curl_body(REGISTER))
    with db.connection_context(), count_queries() as counter:
        directory.answer(request)
    assert counter.count == 1


def test_database_failure_answers_not_found_fast(client, fs_users, db, caplog):
    with db.connection_context():
        drop_table(db, "extension")
    assert is_not_found(parsed(post(client, xml_curl_body(REGISTER))))
    assert any("database error" in r.getMessage() for r in caplog.records)


def test_addresses_outside_the_allow_list_are_refused(client, fs_users):
    response = post(client, xml_curl_body(REGISTER), REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 403
    assert b"a1-hash" not in response.data


def test_credentials_are_required_when_configured(config, db, fs_users):
    client = create_app(config.with_changes(http_credentials="fs:s3cret")).test_client()
    assert post(client, xml_curl_body(REGISTER)).status_code == 401
    wrong = client.post("/xml_curl", data=xml_curl_body(REGISTER),
                        headers={"Authorization": "Basic ZnM6d3Jvbmc="})
    assert wrong.status_code == 401
    right = client.post("/xml_curl", data=xml_curl_body(REGISTER),
                        headers={"Authorization": "Basic ZnM6czNjcmV0"})
    user_of(parsed(right), "1000")


def test_a_body_sent_without_a_length_is_read_all_the_same(client, fs_users):
    """FreeSWITCH always sends Content-Length; a chunked body still gets its answer."""
    import io

    body = xml_curl_body(REGISTER)
    response = client.post("/xml_curl", input_stream=io.BytesIO(body),
                           headers={"Transfer-Encoding": "chunked"},
                           content_type="application/x-www-form-urlencoded",
                           environ_base={"wsgi.input_terminated": True})  # as pywsgi sets it
    assert user_of(parsed(response), "1000").get("id") == "1000"
