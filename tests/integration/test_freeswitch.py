"""The foundation against a real FreeSWITCH configured with freeswitch-conf/."""

import pytest

from tests.integration.conftest import api

pytestmark = pytest.mark.integration


def test_the_internal_profile_runs(esl):
    internal = [line for line in api(esl, "sofia status").splitlines() if "internal" in line]
    assert internal and "RUNNING" in internal[0]


def test_users_come_from_switchctl_over_xml_curl(esl, served):
    assert api(esl, "user_exists id 101 pbx.local") == "true"
    assert api(esl, "user_exists id 4242 pbx.local") == "false"
    assert api(esl, "user_data 101@pbx.local var user_context") == "default"


def test_no_static_fallback_user_exists(esl, served):
    assert api(esl, "user_exists id 1000 pbx.local") == "false"


def test_an_unregistered_extension_has_no_contact(esl, served):
    assert "user_not_registered" in api(esl, "sofia_contact */103@pbx.local")  # never registers
