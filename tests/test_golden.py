"""One golden file per kind of xml_curl answer, for review: what FreeSWITCH is sent for a
registration, and for each kind of call, is readable in tests/golden/ and changes only
with a reviewed diff. ``SWITCHCTL_UPDATE_GOLDEN=1`` writes them anew from the code."""

import os
from pathlib import Path

import pytest
from lxml import etree

from switchctl.models import Extension
from switchctl.services import blacklist
from switchctl.services.forwarding import set_follow_me, set_forward
from tests.builders.captures import xml_curl_body
from tests.builders.dialplan import call
from tests.clients.xml_curl import post

GOLDEN = Path(__file__).parent / "golden"
REGISTER = "1a_directory_sip_auth_REGISTER_1000"


def register(number):
    return xml_curl_body(REGISTER, user=number, domain="pbx.local", sip_auth_username=number,
                         sip_auth_realm="pbx.local")


def follow_me_102():
    set_follow_me(Extension.get(Extension.number == "102"), [("105", 20), ("90123456789", 25)])


def forward_busy_102():
    set_forward(Extension.get(Extension.number == "102"), "busy", "105")


# name -> (what the office is given first, the request)
ANSWERS = {
    "directory_user_101": (None, register("101")),
    "directory_unknown_user": (None, register("4242")),
    "dialplan_extension": (None, call("101", "102")),
    "dialplan_follow_me": (follow_me_102, call("101", "102")),
    "dialplan_outbound": (None, call("101", "90123456789")),
    "dialplan_outbound_barred": (None, call("103", "90123456789")),
    "dialplan_feature_code": (None, call("101", "*71105#")),
    "dialplan_unknown_number": (None, call("101", "999")),
    "dialplan_outcome_busy_forward": (forward_busy_102, call(
        "101", "102", context="outcome", originate_disposition="USER_BUSY",
        switchctl_path="102")),
    "dialplan_outcome_voicemail": (None, call(
        "101", "102", context="outcome", originate_disposition="NO_ANSWER",
        switchctl_path="102")),
    "dialplan_public_extension": (None, call("", "102", context="public",
                                             caller_id="13800000000")),
    "dialplan_public_blacklisted": (
        lambda: blacklist.add(Extension.get(Extension.number == "101").domain_id,
                              "13800000000"),
        call("", "102", context="public", caller_id="13800000000")),
}


def readable(answer):
    return etree.tostring(etree.fromstring(answer), pretty_print=True, encoding="unicode")


@pytest.mark.parametrize("name", sorted(ANSWERS))
def test_answer_is_the_golden_file(name, client, office):
    prepare, request = ANSWERS[name]
    if prepare is not None:
        prepare()
    response = post(client, request)
    assert response.status_code == 200
    golden = GOLDEN / f"{name}.xml"
    if os.environ.get("SWITCHCTL_UPDATE_GOLDEN") == "1":
        golden.write_text(readable(response.data))
    assert readable(response.data) == golden.read_text(), f"{golden} (see this module's doc)"
