"""``*62`` / ``*062`` / ``*95`` / ``*095`` (manual §2.7): queue agents log in and out,
pause and unpause.

Each code hands the call to the ``queue_agent`` flow (ivr/queue_agent.py) with what to do
and the caller's extension (by id, from its identity: never from a channel variable the
caller could set; ours are set here, after anything it set)."""

from switchctl.freeswitch import variables
from switchctl.xml_curl.actions import to_flow


def _agent(action):
    def handler(domain, caller, argument):
        return to_flow(f"queue-agent-{action}", "queue_agent", **{
            variables.QUEUE_AGENT_ACTION: action, variables.QUEUE_AGENT_EXTENSION: caller.id})
    return handler


HANDLERS = {"agent_login": _agent("login"), "agent_logout": _agent("logout"),
            "agent_pause": _agent("pause"), "agent_unpause": _agent("unpause")}
