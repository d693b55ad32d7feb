"""Queues (manual §2.7) as mod_callcenter reads them and as our users dial them:
callcenter.conf from the database (parsed, on the real configuration requests), the
queue's route, the ``queue_exit`` context after ``callcenter`` returns, and the service's
checks on what goes into the switch's configuration."""

from lxml import etree
import pytest

from switchctl.models import Domain
from switchctl.services import ValidationError, queues
from tests.builders.captures import xml_curl_body
from tests.builders.dialplan import call as dialplan_call
from tests.builders.dialplan import steps_of
from tests.clients.xml_curl import post

pytestmark = pytest.mark.both_databases  # the rows and the one-query reads: both engines
STARTUP = "1f_configuration_callcenter_conf_startup"
RELOAD = "1f_configuration_callcenter_conf_reload"


@pytest.fixture
def sales(office):
    queue = queues.add_queue(office, "700", "Sales", strategy="ring-all",
                             max_wait_seconds=90, timeout_destination="105",
                             agent_ring_seconds=15)
    queues.add_agent(queue, "101")
    queues.add_agent(queue, "102", kind="dynamic")
    return queue


def configuration(client, name=STARTUP):
    response = post(client, xml_curl_body(name))
    assert response.status_code == 200
    return etree.fromstring(response.data)


@pytest.mark.parametrize("request_name", [STARTUP, RELOAD])
def test_callcenter_conf_is_the_databases(client, sales, request_name):
    root = configuration(client, request_name)
    conf = root.find("section[@name='configuration']/configuration")
    assert conf.get("name") == "callcenter.conf"
    settings = {p.get("name"): p.get("value") for p in conf.findall("settings/param")}
    assert settings["truncate-agents-on-load"] == settings["truncate-tiers-on-load"] == "true"
    [queue] = conf.findall("queues/queue")
    assert queue.get("name") == "700@pbx.local"
    params = {p.get("name"): p.get("value") for p in queue.findall("param")}
    assert params["strategy"] == "ring-all"
    assert params["moh-sound"] == "local_stream://moh"
    assert params["max-wait-time"] == "90"
    agents = {a.get("name"): a.attrib for a in conf.findall("agents/agent")}
    assert set(agents) == {"101@pbx.local", "102@pbx.local"}
    assert agents["101@pbx.local"]["contact"] == "[leg_timeout=15]user/101@pbx.local"
    assert agents["101@pbx.local"]["type"] == "Callback"
    assert agents["101@pbx.local"]["status"] == "Available"  # static: always in
    assert agents["102@pbx.local"]["status"] == "Logged Out"  # dynamic: until *62#
    tiers = [(t.get("queue"), t.get("agent")) for t in conf.findall("tiers/tier")]
    assert tiers == [("700@pbx.local", "101@pbx.local")]


def test_a_paused_or_logged_in_agent_shows_so(client, sales):
    bob = queues.agents(sales)[1].extension
    queues.log_in(bob)
    queues.set_paused(bob, True)
    conf = configuration(client).find("section/configuration")
    agents = {a.get("name"): a.get("status") for a in conf.findall("agents/agent")}
    assert agents["102@pbx.local"] == "On Break"
    assert len(conf.findall("tiers/tier")) == 2


def test_other_modules_get_not_found_and_read_their_files(client, sales):
    body = xml_curl_body("1f_configuration_conference_conf_startup")
    root = etree.fromstring(post(client, body).data)
    assert root.find("section[@name='result']/result").get("status") == "not found"


# Dialling a queue and leaving it

def test_dialling_a_queue_runs_callcenter_then_queue_exit(client, sales):
    assert steps_of(client, dialplan_call("103", "700")) == [
        ("answer", ""), ("callcenter", "700@pbx.local"), ("transfer", "700 XML queue_exit")]


def test_queues_are_per_domain(client, sales):
    other = Domain.create(name="other.example")
    queues.add_queue(other, "710", "Theirs")
    assert steps_of(client, dialplan_call("101", "710"))[-1] == ("hangup", "UNALLOCATED_NUMBER")


@pytest.mark.parametrize("reason", ["TIMEOUT", "NO_AGENT_TIMEOUT"])
def test_a_caller_waiting_too_long_goes_to_the_timeout_destination(client, sales, reason):
    body = dialplan_call("103", "700", context="queue_exit", cc_cause="cancel",
                         cc_cancel_reason=reason)
    assert steps_of(client, body) == [("transfer", "105 XML default")]


@pytest.mark.parametrize("variables", [
    {"cc_cause": "answered"}, {"cc_cause": "cancel", "cc_cancel_reason": "BREAK_OUT"}, {}])
def test_otherwise_the_queue_call_ends(client, sales, variables):
    body = dialplan_call("103", "700", context="queue_exit", **variables)
    assert steps_of(client, body) == [("hangup", "NORMAL_CLEARING")]


def test_no_timeout_destination_ends_the_call(client, sales):
    queues.update_queue(sales, timeout_destination="")
    body = dialplan_call("103", "700", context="queue_exit", cc_cancel_reason="TIMEOUT")
    assert steps_of(client, body) == [("hangup", "NORMAL_CLEARING")]


def test_queue_exit_for_no_queue_is_not_found(client, sales):
    response = post(client, dialplan_call("103", "799", context="queue_exit"))
    assert b'status="not found"' in response.data


# What the switch is given is checked first

@pytest.mark.parametrize("change, message", [
    ({"hold_music": "${system(rm -rf /)}"}, "hold music"),
    ({"hold_music": "local_stream://moh lol"}, "hold music"),
    ({"max_wait_seconds": "-1"}, "longest wait"),
    ({"max_wait_seconds": "ten"}, "longest wait"),
    ({"agent_ring_seconds": "2"}, "ring time"),
    ({"timeout_destination": "999"}, "timeout destination"),
    ({"timeout_destination": "700"}, "timeout destination"),
    ({"timeout_destination": "${x}"}, "timeout destination"),
])
def test_bad_settings_are_refused_and_nothing_changes(sales, change, message):
    with pytest.raises(ValidationError) as refused:
        queues.update_queue(sales, name="Renamed", **change)
    assert message in str(refused.value.args[0]) or message in str(refused.value)
    fresh = type(sales).get_by_id(sales.id)
    assert (fresh.name, fresh.hold_music, fresh.max_wait_seconds, fresh.agent_ring_seconds,
            fresh.timeout_destination) == ("Sales", "local_stream://moh", 90, 15, "105")


def test_an_agent_kind_is_static_or_dynamic(sales):
    with pytest.raises(ValidationError):
        queues.add_agent(sales, "105", kind="boss")
