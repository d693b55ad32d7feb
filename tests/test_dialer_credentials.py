"""The browser dialer's Verto credentials in the xml_curl directory: mod_verto's
``jsonrpc-authenticate`` lookup (the real capture, with the ``user_supplied_pass`` that
verto.conf's send-auth-password adds before ``action``, as mod_verto.c's check_auth
does) gets the user with that credential as its ``jsonrpc-password`` only when it is a
current credential of that user's live portal session; otherwise the user with no
password at all, which mod_verto refuses. The SIP password never logs in over Verto, and
a credential never passes SIP digest auth."""

import datetime
import logging
from urllib.parse import quote

import pytest

from switchctl.models import DialerCredential, Extension
from switchctl.passwords import sip_ha1
from switchctl.services import dialer, sessions
from tests.builders.captures import xml_curl_body
from tests.clients.xml_curl import is_not_found, parsed, post

VERTO = "1e_directory_jsonrpc_authenticate_verto"
REGISTER = "1a_directory_sip_auth_REGISTER_1000"
SIP_PASSWORD = "Passw0rd101"  # the office fixture's


def verto_login(domain, number, password=None, login_params=()):
    """The body mod_verto posts for a login as ``number``: the browser's loginParams
    (pairs) first, then the password given (when send-auth-password is on), then the
    switch's own fields."""
    body = xml_curl_body(VERTO, key_value=domain, user=number, domain=domain)
    added = [f"{k}={quote(v, safe='')}".encode() for k, v in login_params]
    if password is not None:
        added.append(f"user_supplied_pass={quote(password, safe='')}".encode())
    head, sep, tail = body.partition(b"&action=")
    return b"&".join([head, *added]) + sep + tail


@pytest.fixture
def alice(db, office):
    with db.connection_context():
        return Extension.get(Extension.number == "101")


@pytest.fixture
def portal_session(db, office, alice):
    """The token of a portal session of 101's."""
    with db.connection_context():
        return sessions.start(office.id, "fingerprint", extension_id=alice.id)


@pytest.fixture
def credential(db, alice, portal_session):
    with db.connection_context():
        token, _ = dialer.issue(portal_session, alice.id)
    return token


def user_of(root, number="101"):
    (user,) = root.xpath(f"//domain/users/user[@id='{number}']")
    return user


def secrets_of(user):
    """The user's params that mod_verto takes for a password."""
    return {name: value for name, value in
            ((p.get("name"), p.get("value")) for p in user.xpath("params/param"))
            if name in ("password", "jsonrpc-password", "a1-hash")}


@pytest.mark.both_databases
def test_a_current_credential_logs_its_user_in_over_verto(client, office, credential):
    user = user_of(parsed(post(client, verto_login(office.name, "101", credential))))
    assert secrets_of(user) == {"jsonrpc-password": credential}
    assert user.xpath("variables/variable[@name='user_context']/@value") == ["default"]


@pytest.mark.both_databases
def test_a_credential_is_good_once(client, office, credential):
    post(client, verto_login(office.name, "101", credential))
    again = user_of(parsed(post(client, verto_login(office.name, "101", credential))))
    assert secrets_of(again) == {}


def test_the_sip_password_does_not_log_in_over_verto(client, office, credential, caplog):
    caplog.set_level(logging.INFO)
    user = user_of(parsed(post(client, verto_login(office.name, "101", SIP_PASSWORD))))
    assert secrets_of(user) == {}
    assert "without a current dialer credential" in caplog.text
    assert SIP_PASSWORD not in caplog.text and credential not in caplog.text


def test_without_the_password_given_nobody_logs_in(client, office, credential):
    """A switch whose verto.conf lacks send-auth-password (the capture as made)."""
    user = user_of(parsed(post(client, xml_curl_body(
        VERTO, key_value=office.name, user="101", domain=office.name))))
    assert secrets_of(user) == {}


def test_a_credential_logs_in_only_its_own_extension(client, office, credential, db):
    user = user_of(parsed(post(client, verto_login(office.name, "102", credential))), "102")
    assert secrets_of(user) == {}
    with db.connection_context():  # not spent by the wrong user: 101 may still use it
        assert DialerCredential.select().count() == 1


@pytest.mark.parametrize("forged", ["", "x", "A" * 43, "'; DROP TABLE extension; --"])
def test_a_forged_credential_is_refused(client, office, credential, forged):
    user = user_of(parsed(post(client, verto_login(office.name, "101", forged))))
    assert secrets_of(user) == {}


@pytest.mark.both_databases
def test_an_expired_credential_is_refused(client, office, credential, db):
    with db.connection_context():
        DialerCredential.update(
            expires=datetime.datetime.now() - datetime.timedelta(seconds=1)).execute()
    user = user_of(parsed(post(client, verto_login(office.name, "101", credential))))
    assert secrets_of(user) == {}


@pytest.mark.both_databases
def test_ending_the_portal_session_ends_its_credentials(
        client, office, credential, portal_session, db):
    with db.connection_context():
        assert sessions.end(portal_session) == 1
        assert DialerCredential.select().count() == 0
    user = user_of(parsed(post(client, verto_login(office.name, "101", credential))))
    assert secrets_of(user) == {}


@pytest.mark.both_databases
def test_a_session_past_its_idle_time_gives_no_login(client, office, credential, db):
    with db.connection_context():
        from switchctl.models import PortalSession
        PortalSession.update(last_seen=datetime.datetime.now() - sessions.IDLE
                             - datetime.timedelta(seconds=1)).execute()
    user = user_of(parsed(post(client, verto_login(office.name, "101", credential))))
    assert secrets_of(user) == {}


def test_a_disabled_extension_is_not_found(client, office, credential, db):
    with db.connection_context():
        Extension.update(enabled=False).where(Extension.number == "101").execute()
    assert is_not_found(parsed(post(client, verto_login(office.name, "101", credential))))


@pytest.mark.parametrize("planted", [
    [("user", "101")],  # logging in as 102 with 101's credential
    [("domain", "pbx.local")],
    [("user_supplied_pass", "x")],
    [("action", "sip_auth")],
])
def test_fields_the_browser_plants_in_login_params_refuse_the_login(
        client, office, credential, planted, caplog):
    body = verto_login(office.name, "102" if planted[0][0] == "user" else "101", credential,
                       login_params=planted)
    assert is_not_found(parsed(post(client, body)))
    assert "fields sent twice" in caplog.text


def test_a_credential_never_passes_sip_digest_auth(client, office, credential):
    """sofia's REGISTER lookup gets the SIP HA1 only: a phone answering the challenge
    with the credential for a password computes another response."""
    body = xml_curl_body(REGISTER, user="101", domain=office.name, key_value=office.name,
                         sip_auth_username="101")
    user = user_of(parsed(post(client, body)))
    assert secrets_of(user) == {"a1-hash": sip_ha1("101", office.name, SIP_PASSWORD)}
    assert sip_ha1("101", office.name, credential) != sip_ha1("101", office.name, SIP_PASSWORD)


def test_issue_for_an_ended_session_gives_nothing(db, alice, portal_session):
    with db.connection_context():
        sessions.end(portal_session)
        assert dialer.issue(portal_session, alice.id) is None


def test_issue_sweeps_the_expired(db, alice, portal_session):
    with db.connection_context():
        dialer.issue(portal_session, alice.id)
        DialerCredential.update(
            expires=datetime.datetime.now() - datetime.timedelta(seconds=1)).execute()
        token, expires = dialer.issue(portal_session, alice.id)
        assert DialerCredential.select().count() == 1
        assert expires - datetime.datetime.now() <= dialer.LIFETIME
