"""Queues on the real switch: queue 700 (ring-all, 60 s) added to the served database,
102 its dynamic agent. 102 dials *62#: mod_callcenter has agent 102@pbx.local Available
with a tier in 700@pbx.local (the queue itself loaded from switchctl's callcenter.conf
through xml_curl), and the database says logged in. 101 then dials 700: 102's phone is
rung and answers, the two bridged."""

import json
import os
import time
from pathlib import Path

import pytest

from switchctl.services import queues
from tests.integration.conftest import api, fs_password
from tests.integration.media_phones import SwitchEvents, answering_phone, talking_call
from tests.integration.sip_phones import dial_code, free_udp_port, register
from tests.integration.test_voicemail_calls import no_channel_left
from tests.integration.test_wakeup_calls import in_domain

pytestmark = pytest.mark.integration
AGENT, QUEUE = "102@pbx.local", "700@pbx.local"


def _until(check, seconds=10, what="it"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"never: {what}")


def _agent_row(esl):
    from switchctl.esl.queues import parse_list

    rows = parse_list(api(esl, "callcenter_config agent list"))
    return next((row for row in rows if row.get("name") == AGENT), None)


def test_an_agent_logged_in_with_star_62_gets_the_queue_call(
        served, sip_address, fs_address, esl):
    def add():
        from switchctl.models import Domain
        queue = queues.add_queue(Domain.get(Domain.name == "pbx.local"), "700", "Sales",
                                 strategy="ring-all", max_wait_seconds=60)
        queues.add_agent(queue, "102", kind="dynamic")
    in_domain(served, add)
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port), "102 did not register"
    dial_code(sip_address, "102", served["102"], "*62#")
    row = _until(lambda: (_agent_row(esl) or {}).get("status") == "Available"
                 and _agent_row(esl), what="102 Available")
    assert row["contact"] == "[leg_timeout=20]user/102@pbx.local"
    tiers = api(esl, "callcenter_config tier list")
    assert f"{QUEUE}|{AGENT}|" in tiers, tiers
    assert "700@pbx.local" in api(esl, "callcenter_config queue list")
    # The configuration binding: callcenter.conf is ours, every other module's falls back
    # to its file on our not-found (xml_locate asks the bindings as a module's load does).
    ours = api(esl, "xml_locate configuration configuration name callcenter.conf")
    assert 'name="700@pbx.local"' in ours and "truncate-agents-on-load" in ours
    theirs = api(esl, "xml_locate configuration configuration name conference.conf")
    assert "caller-controls" in theirs and "switchctl" not in theirs.split("\n")[0]
    local_stream = api(esl, "xml_locate configuration configuration name local_stream.conf")
    assert 'name="moh"' in local_stream

    def logged_in():
        from switchctl.models import QueueAgent
        return [(a.logged_in, a.paused) for a in QueueAgent.select()]
    assert in_domain(served, logged_in) == [(True, False)]

    callee = answering_phone(port=port)
    caller = talking_call(sip_address, "101", served["101"], "700", talk=4)
    try:
        bridged = _until(lambda: [r for r in json.loads(api(esl, "show bridged_calls as json"))
                                  .get("rows") or []], seconds=20, what="a bridged call")
        assert "102" in json.dumps(bridged)
        assert caller.wait() == 0  # 101 talked and hung up: the queue call ends
        assert callee.wait() == 0
    finally:
        caller.stop()
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)
    for name in ("agent", "tier"):
        command = f"callcenter_config {name} list"
        _capture(f"{name}_list.txt", command, api(esl, command))

    # The other way: an operator puts 102 On Break in fs_cli; the served switchctl reads
    # the agent-status-change event and the database says paused.
    events = SwitchEvents(fs_address.host, fs_address.port, fs_password(),
                          ["CUSTOM", "callcenter::info"])
    try:
        assert api(esl, f"callcenter_config agent set status {AGENT} 'On Break'") == "+OK"
        event = events.next(lambda e: e["CC-Action"] == "agent-status-change",
                            what="agent-status-change")
    finally:
        events.close()
    assert (event["CC-Agent"], event["CC-Agent-Status"]) == (AGENT, "On Break")

    def paused():
        from switchctl.models import QueueAgent
        return [a.paused for a in QueueAgent.select()] == [True]
    _until(lambda: in_domain(served, paused), what="the database follows the switch")
    _capture("agent_status_change.txt", "CUSTOM callcenter::info agent-status-change "
             "headers (event plain, %-decoded), after callcenter_config agent set status "
             "102@pbx.local 'On Break'",
             "".join(f"{k}: {v}\n" for k, v in event.headers.items()).rstrip("\n"))


def _capture(name, what, text):
    """With SWITCHCTL_CAPTURE_QUEUES=<folder>, keep what the real switch answered."""
    folder = os.environ.get("SWITCHCTL_CAPTURE_QUEUES")
    if folder:
        Path(folder, name).write_text(f"# {what}: FreeSWITCH 1.10.12, "
                                      f"tests/integration/test_queue_calls.py\n{text}\n")


def test_a_caller_waiting_past_the_limit_goes_to_the_timeout_destination(
        served, sip_address, fs_address, esl):
    """Queue 720 (longest wait 2 s, nobody logged in), timeout destination 105: 101's call
    waits, then 105's phone is rung and answers it."""
    def add():
        from switchctl.models import Domain
        queue = queues.add_queue(Domain.get(Domain.name == "pbx.local"), "720", "Night",
                                 max_wait_seconds=2, timeout_destination="105")
        queues.add_agent(queue, "103", kind="dynamic")  # allowed, never logged in
    in_domain(served, add)
    port = free_udp_port()
    assert register(sip_address, "105", served["105"], port), "105 did not register"
    callee = answering_phone(port=port)
    caller = talking_call(sip_address, "101", served["101"], "720", talk=8)
    try:
        bridged = _until(lambda: [r for r in json.loads(api(esl, "show bridged_calls as json"))
                                  .get("rows") or []], seconds=20, what="101 bridged to 105")
        assert "105" in json.dumps(bridged)
        assert caller.wait() == 0
        assert callee.wait() == 0
    finally:
        caller.stop()
        callee.stop()
    assert not no_channel_left(fs_address, seconds=10)
