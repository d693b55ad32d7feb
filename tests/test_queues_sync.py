"""Queue agents kept in step both ways, on the fake switch speaking the real event-socket
wire: on every (re)connect the switch's agents and tiers (the real ``callcenter_config
agent list`` / ``tier list`` answers) are corrected to the database with exact commands;
the real ``agent-status-change`` event updates the database; bad or foreign events change
nothing."""

import gevent
import pytest

from switchctl.config import HostPort
from switchctl.esl.extension_state import ExtensionStates
from switchctl.esl.listener import Listener
from switchctl.esl.queues import QueueSync, parse_list, resync_commands
from switchctl.models import Extension, QueueAgent
from switchctl.services import queues
from tests.builders.captures import payload
from tests.builders.esl import NO_ROWS
from tests.fakes.fake_switch import FakeSwitch

AGENT_LIST = payload("queues/agent_list.txt").decode()
TIER_LIST = payload("queues/tier_list.txt").decode()
BOB = "102@pbx.local"


def status_change_event(**changes):
    text = payload("queues/agent_status_change.txt").decode()
    headers = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    headers.update(changes)
    return headers


@pytest.fixture
def sales(office):
    queue = queues.add_queue(office, "700", "Sales")
    queues.add_agent(queue, "102", kind="dynamic")
    return queue


@pytest.fixture
def fake():
    switch = FakeSwitch(answers={"show registrations as json": NO_ROWS,
                                 "show channels as json": NO_ROWS,
                                 "callcenter_config agent list": AGENT_LIST,
                                 "callcenter_config tier list": TIER_LIST}).start()
    yield switch
    switch.stop()


@pytest.fixture
def follow(fake, db):
    listener = Listener(HostPort("127.0.0.1", fake.port), "ClueCon", ExtensionStates(),
                        retry=0.05)
    QueueSync(listener)
    runner = gevent.spawn(listener.run)
    assert listener.resynchronised.wait(timeout=5)  # the queue sync's hook has run
    yield listener
    listener.stop()
    fake.stop()
    runner.join(timeout=5)


def sent(fake):
    return [c[4:] for c in fake.commands if c.startswith("api callcenter_config")]


def test_the_real_lists_are_read():
    assert [(a["name"], a["status"], a["contact"]) for a in parse_list(AGENT_LIST)] == [
        (BOB, "Available", "[leg_timeout=20]user/102@pbx.local")]
    assert [(t["queue"], t["agent"]) for t in parse_list(TIER_LIST)] == [
        ("700@pbx.local", BOB)]
    assert parse_list("-ERR no reply\n") == parse_list("") == []


def test_on_connect_a_logged_out_agent_is_logged_out_on_the_switch(fake, sales, follow):
    """The switch still has 102 Available in 700 (as captured); the database says 102
    logged out: its tier goes, its status follows."""
    assert sent(fake) == [
        "callcenter_config agent list", "callcenter_config tier list",
        f"callcenter_config agent add {BOB} Callback",
        f"callcenter_config agent set contact {BOB} [leg_timeout=20]user/102@pbx.local",
        f"callcenter_config agent set status {BOB} 'Logged Out'",
        f"callcenter_config tier del 700@pbx.local {BOB}"]


def test_on_connect_a_logged_in_agent_gets_its_tier_and_status(fake, sales, follow):
    fake.commands.clear()
    queues.log_in(Extension.get(Extension.number == "102"))
    fake.cut()  # the switch restarts: the listener reconnects and resyncs
    with gevent.Timeout(5):
        while follow.resyncs < 2 or not follow.resynchronised.is_set():  # hooks ran
            gevent.sleep(0.02)
    assert sent(fake)[2:] == [
        f"callcenter_config agent add {BOB} Callback",
        f"callcenter_config agent set contact {BOB} [leg_timeout=20]user/102@pbx.local",
        f"callcenter_config tier add 700@pbx.local {BOB} 1 1",
        f"callcenter_config agent set status {BOB} Available"]


def test_agents_the_database_no_longer_has_are_removed(office):
    assert resync_commands(parse_list(AGENT_LIST), parse_list(TIER_LIST)) == [
        f"callcenter_config tier del 700@pbx.local {BOB}", f"callcenter_config agent del {BOB}"]


def test_another_systems_agents_are_left_alone(office):
    foreign = AGENT_LIST.replace("102@pbx.local", "7@elsewhere.example")
    tiers = TIER_LIST.replace("pbx.local", "elsewhere.example")
    assert resync_commands(parse_list(foreign), parse_list(tiers)) == []


def test_a_status_change_on_the_switch_updates_the_database(fake, sales, follow):
    queues.log_in(Extension.get(Extension.number == "102"))
    fake.emit_event(status_change_event())  # 'On Break', as captured
    with gevent.Timeout(5):
        while not QueueAgent.get().paused:
            gevent.sleep(0.02)
    fake.emit_event(status_change_event(**{"CC-Agent-Status": "Logged Out"}))
    with gevent.Timeout(5):
        while QueueAgent.get().logged_in:
            gevent.sleep(0.02)
    assert not QueueAgent.get().paused


@pytest.mark.parametrize("changes", [
    {"CC-Agent-Status": "Dancing"}, {"CC-Agent": "102@other.example"},
    {"CC-Agent": "999@pbx.local"}, {"CC-Action": "agent-state-change"},
    {"Event-Subclass": "valet_parking::info"}])
def test_other_or_bad_events_change_nothing(sales, changes):
    listener = type("L", (), {"connect_hooks": [], "header_observers": []})()
    sync = QueueSync(listener)
    queues.log_in(Extension.get(Extension.number == "102"))
    sync.on_headers(status_change_event(**changes))
    assert [(a.logged_in, a.paused) for a in QueueAgent.select()] == [(True, False)]
