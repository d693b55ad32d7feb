"""The browser dialer's Verto side on the real switch (freeswitch-conf's verto profile,
the served directory): 101 logs in to the portal, asks for its dialer credential and logs
in to mod_verto with it (verto.clientReady follows); the SIP password, a spent credential
and another user's login are refused; a call placed over Verto to 102's answering phone
is bridged, and its bye ends both legs. (The browser itself, with its microphone and
DTLS, is tested in Chromium against a stand-in endpoint: tests/test_dialer_browser.py.)"""

import os
from pathlib import Path

import pytest
import requests

from switchctl.esl import events
from tests.clients.portal import csrf_token, log_in_http
from tests.integration.conftest import api
from tests.integration.media_phones import answering_phone, talking_call
from tests.integration.sip_phones import free_udp_port, register
from tests.integration.test_click_to_dial_calls import states, until
from tests.integration.test_recording_calls import bridged_rows
from tests.integration.test_voicemail_calls import no_channel_left, switch_api
from tests.integration.verto_client import VertoClient

pytestmark = pytest.mark.integration
AUTH_FAILED = -32001  # mod_verto's CODE_AUTH_FAILED
# Set to a folder, the tests write the frames they exchanged there (tests/data/verto/
# holds such recordings, read by the dialer's JavaScript tests).
CAPTURE = os.environ.get("SWITCHCTL_CAPTURE_VERTO", "")


def keep(client, name, given=None):
    if CAPTURE:
        client.save(Path(CAPTURE) / f"{name}.json",
                    secrets=[given["password"]] if given else [])


@pytest.fixture
def verto_url(freeswitch):
    if freeswitch is None:
        pytest.skip("the Verto tests need the session's own FreeSWITCH (its verto port)")
    return f"ws://127.0.0.1:{freeswitch.ports['verto']}"


def dialer_credential(served, number="101"):
    """What the portal gives ``number``'s dialer page (a logged-in requests session)."""
    base = f"http://{served.http}"
    session = requests.Session()
    log_in_http(session, base, number, served[number])
    token = csrf_token(session.get(f"{base}/extensions", timeout=10).text)
    answer = session.post(f"{base}/dialer/credential", headers={"X-CSRFToken": token},
                          timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.fixture
def client(verto_url):
    found = VertoClient(verto_url)
    yield found
    found.close()


def test_the_portals_credential_logs_in_over_verto(served, client):
    given = dialer_credential(served)
    answer = client.login(given["login"], given["password"])
    assert answer.get("result", {}).get("message") == "logged in", answer
    assert client.next_request("verto.clientReady") is not None
    keep(client, "login", given)


def test_the_sip_password_is_refused(served, client):
    answer = client.login("101@pbx.local", served["101"])
    assert answer["error"]["code"] == AUTH_FAILED, answer
    keep(client, "login_refused", {"password": served["101"]})


def test_a_spent_credential_and_another_users_login_are_refused(served, verto_url, client):
    given = dialer_credential(served)
    assert client.login("102@pbx.local", given["password"])["error"]["code"] == AUTH_FAILED
    assert "result" in client.login(given["login"], given["password"])  # still good for 101
    again = VertoClient(verto_url)
    try:
        assert again.login(given["login"], given["password"])["error"]["code"] == AUTH_FAILED
    finally:
        again.close()


def test_a_call_over_verto_reaches_the_desk_phone_and_its_bye_ends_it(
        served, sip_address, fs_address, esl, client):
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    callee = answering_phone(port=port)
    given = dialer_credential(served)
    assert "result" in client.login(given["login"], given["password"])
    try:
        call_id = client.invite("102")
        assert "m=audio" in client.answer_sdp(seconds=15)
        by_direction = {row["direction"]: row for row in bridged_rows(esl)}
        assert by_direction["inbound"]["name"].startswith("verto.rtc/")
        assert by_direction["inbound"]["cid_num"] == "101"  # who logged in, not "browser"
        assert "102" in by_direction["outbound"]["name"]
        assert "result" in client.bye(call_id)
        keep(client, "outgoing_call", given)
    finally:
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)


def test_a_call_to_101_rings_its_browser_and_its_desk_phone_together(
        served, sip_address, fs_address, client):
    """102 calls 101, logged in over Verto and with a desk phone that answers: the
    browser gets the switch's verto.invite (102 calling), then its verto.bye once the
    desk phone has taken the call."""
    port = free_udp_port()
    assert register(sip_address, "101", served["101"], port), "101 did not register"
    desk = answering_phone(port=port)
    given = dialer_credential(served)
    assert "result" in client.login(given["login"], given["password"])
    caller = talking_call(sip_address, "102", served["102"], "101", talk=3)
    try:
        invite = client.next_request("verto.invite", seconds=15)
        assert invite["caller_id_number"] == "102"
        assert "a=fingerprint" in invite["sdp"]  # a browser's call: DTLS-SRTP
        ended = client.next_request("verto.bye", seconds=15)
        assert ended["callID"] == invite["callID"]
        keep(client, "incoming_call_taken_elsewhere", given)
        assert caller.wait(timeout=20) == 0  # it talked, then hung up with a BYE
    finally:
        caller.stop()
        desk.stop()
    assert not no_channel_left(fs_address, seconds=10)


def test_a_user_with_only_the_browser_is_rung_there(
        served, sip_address, fs_address, esl, client):
    """101 has no desk phone registered: a call to 101 still rings its Verto login (the
    dial string's verto_contact); the browser declines it, and its leg ends."""
    switch_api(fs_address, "sofia profile internal flush_inbound_reg 101@pbx.local")
    until(lambda: states(served)["101"] == "unavailable", 10, "101 without a phone")
    given = dialer_credential(served)
    assert "result" in client.login(given["login"], given["password"])
    # The browser is a phone of 101's: the live state says idle (the verto::login event).
    until(lambda: states(served)["101"] == "idle", 10, "101 idle in its browser")
    logins = events.verto_logins_from_xml(api(esl, "verto xmlstatus"))
    assert set(logins) == {"101@pbx.local"} and len(logins["101@pbx.local"]) == 1, logins
    if CAPTURE:
        (Path(CAPTURE) / "verto_xmlstatus.txt").write_text(api(esl, "verto xmlstatus") + "\n")
    caller = talking_call(sip_address, "102", served["102"], "101", talk=2)
    try:
        invite = client.next_request("verto.invite", seconds=15)
        assert invite["caller_id_number"] == "102"
        declined = client.call("verto.bye", {"cause": "CALL_REJECTED", "causeCode": 21,
                                             "dialogParams": {"callID": invite["callID"]}})
        assert declined["result"]["message"] == "CALL ENDED", declined
    finally:
        caller.stop()  # a killed sipp sends no BYE: the switch hangs up its leg
        api(esl, "hupall NORMAL_CLEARING")
    assert not no_channel_left(fs_address, seconds=10)
    client.close()  # the browser goes away: 101 has no phone again (verto::client_disconnect)
    until(lambda: states(served)["101"] == "unavailable", 10, "101 without its browser")
