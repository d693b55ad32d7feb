"""Queue agents (manual §2.7) on the fake switch: ``*62#`` / ``*062#`` / ``*95#`` /
``*095#`` reach the queue_agent flow, which changes the database and sends the exact
``callcenter_config`` commands on the call's socket; a non-agent hears it may not; a
hang-up at each step."""

import gevent
import pytest

from switchctl.freeswitch import prompts
from switchctl.ivr import FlowContext
from switchctl.models import Extension, QueueAgent
from switchctl.services import queues
from tests.builders.dialplan import call as dialplan_call
from tests.builders.dialplan import steps_of
from tests.fakes.fake_switch import FakeCall
from tests.servers.flows import flow_server

ANSWER, HANGUP = ("answer", ""), ("hangup", "NORMAL_CLEARING")
BOB = "102@pbx.local"
CONTACT = f"callcenter_config agent set contact {BOB} [leg_timeout=20]user/102@pbx.local"


@pytest.fixture
def sales(office):
    sales = queues.add_queue(office, "700", "Sales")
    support = queues.add_queue(office, "710", "Support")
    queues.add_agent(sales, "102", kind="dynamic")
    queues.add_agent(support, "102")  # static in support
    return sales


@pytest.fixture
def server(config, office):
    running = flow_server(FlowContext(config))
    yield running
    running.stop()


def extension(number):
    return Extension.get(Extension.number == number)


def rows(number):
    return [(row.queue.number, row.kind, row.logged_in, row.paused)
            for row in queues.rows_of(extension(number))]


def press(server, number, action, **options):
    answered = FakeCall(server.port, {"switchctl_flow": "queue_agent",
                                      "switchctl_queue_agent_action": action,
                                      "switchctl_queue_agent_extension": extension(number).id},
                        api_answers={f"callcenter_config agent add {BOB} Callback":
                                     "-ERR Agent already exist!\n"}, **options)
    worker = gevent.spawn(answered.run)
    assert answered.done.wait(timeout=10)
    worker.join(timeout=5)
    server.ended.get(timeout=10)
    return answered


@pytest.mark.parametrize("code, action", [("*62#", "login"), ("*062#", "logout"),
                                          ("*95#", "pause"), ("*095#", "unpause")])
def test_each_code_hands_the_call_to_the_agent_flow(client, sales, code, action):
    assert steps_of(client, dialplan_call("102", code)) == [
        ("multiset", f"switchctl_flow=queue_agent switchctl_queue_agent_action={action} "
                     f"switchctl_queue_agent_extension={extension('102').id}"),
        ("socket", "${switchctl_socket} async full")]


def test_the_code_names_the_caller_not_a_variable_it_set(client, sales):
    body = dialplan_call("102", "*62#", switchctl_queue_agent_extension="1")
    assert f"switchctl_queue_agent_extension={extension('102').id}" in \
        steps_of(client, body)[0][1]


def test_star_62_logs_the_agent_into_its_queues(server, sales):
    call = press(server, "102", "login")
    assert call.executed == [ANSWER, ("playback", prompts.AGENT_LOGGED_IN), HANGUP]
    assert call.api_commands == [
        f"callcenter_config agent add {BOB} Callback", CONTACT,
        f"callcenter_config tier add 700@pbx.local {BOB} 1 1",
        f"callcenter_config tier add 710@pbx.local {BOB} 1 1",
        f"callcenter_config agent set status {BOB} Available"]
    assert rows("102") == [("700", "dynamic", True, False), ("710", "static", True, False)]


def test_star_062_logs_it_out_of_its_dynamic_queues_only(server, sales):
    queues.log_in(extension("102"))
    call = press(server, "102", "logout")
    assert call.executed == [ANSWER, ("playback", prompts.AGENT_LOGGED_OUT), HANGUP]
    assert call.api_commands == [
        f"callcenter_config agent add {BOB} Callback", CONTACT,
        f"callcenter_config tier add 710@pbx.local {BOB} 1 1",
        f"callcenter_config tier del 700@pbx.local {BOB}",
        f"callcenter_config agent set status {BOB} Available"]  # still in 710 (static)
    assert rows("102") == [("700", "dynamic", False, False), ("710", "static", True, False)]


def test_a_dynamic_only_agent_logged_out_is_logged_out(server, sales):
    QueueAgent.delete().where(QueueAgent.kind == "static").execute()
    queues.log_in(extension("102"))
    call = press(server, "102", "logout")
    assert call.api_commands[-2:] == [f"callcenter_config tier del 700@pbx.local {BOB}",
                                      f"callcenter_config agent set status {BOB} 'Logged Out'"]


def test_star_95_pauses_and_star_095_unpauses(server, sales):
    paused = press(server, "102", "pause")
    assert paused.executed == [ANSWER, ("playback", prompts.AGENT_PAUSED), HANGUP]
    assert paused.api_commands[-1] == f"callcenter_config agent set status {BOB} 'On Break'"
    assert rows("102") == [("700", "dynamic", False, True), ("710", "static", True, True)]
    back = press(server, "102", "unpause")
    assert back.executed == [ANSWER, ("playback", prompts.AGENT_UNPAUSED), HANGUP]
    assert back.api_commands[-1] == f"callcenter_config agent set status {BOB} Available"
    assert rows("102") == [("700", "dynamic", False, False), ("710", "static", True, False)]


@pytest.mark.parametrize("action", ["login", "logout", "pause", "unpause"])
def test_a_non_agent_hears_it_may_not_and_nothing_is_sent(server, sales, action):
    call = press(server, "101", action)
    assert call.executed == [ANSWER, ("playback", prompts.NOT_PERMITTED), HANGUP]
    assert call.api_commands == []


def test_a_hang_up_at_the_answer_changes_nothing(server, sales):
    call = press(server, "102", "login", hang_up_at=0)
    assert call.executed == [ANSWER]
    assert call.api_commands == []
    assert rows("102")[0] == ("700", "dynamic", False, False)


def test_a_hang_up_during_the_confirmation_keeps_the_change(server, sales):
    call = press(server, "102", "login", hang_up_at=1)
    assert call.executed == [ANSWER, ("playback", prompts.AGENT_LOGGED_IN)]
    assert call.api_commands[-1] == f"callcenter_config agent set status {BOB} Available"
    assert rows("102")[0] == ("700", "dynamic", True, False)


def test_a_socket_gone_before_the_answer_changes_nothing(server, sales):
    call = press(server, "102", "login", vanish_at=0)
    assert call.api_commands == []
    assert rows("102")[0] == ("700", "dynamic", False, False)


def test_a_bad_action_or_extension_ends_the_call_without_a_change(server, sales):
    answered = FakeCall(server.port, {"switchctl_flow": "queue_agent",
                                      "switchctl_queue_agent_action": "promote",
                                      "switchctl_queue_agent_extension": "x"})
    worker = gevent.spawn(answered.run)
    assert answered.done.wait(timeout=10)
    worker.join(timeout=5)
    server.ended.get(timeout=10)
    assert answered.api_commands == [] and ANSWER not in answered.executed
