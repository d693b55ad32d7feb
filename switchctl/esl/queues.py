"""Queue agents kept in step between the database and mod_callcenter, both ways.

- The commands (``callcenter_config ...``) that bring one agent (an extension answering
  queues, ``<number>@<domain>``) to what the database says: its contact, one tier per
  queue it is logged into, none for the others, and its status (Available, On Break,
  Logged Out). The ``queue_agent`` flow sends them after ``*62#`` etc.
- ``QueueSync``: on every (re)connect of the listener the switch's agents and tiers
  (``callcenter_config agent list`` / ``tier list``) are compared with the database and
  corrected (missing agents and tiers added, statuses set, agents and tiers of ours the
  database no longer has removed); a ``callcenter::info`` ``agent-status-change`` (an
  operator's fs_cli, or a queue putting an agent On Break after missed calls) updates
  the database.
"""

import logging

from switchctl.models import Domain
from switchctl.services import queues as queue_service

log = logging.getLogger(__name__)
SUBCLASS = "callcenter::info"


def quoted(status):
    """A status as callcenter_config reads it (switch_separate_string: one argument in
    single quotes)."""
    return f"'{status}'" if " " in status else status


def agent_commands(agent, contact, tiers_in, tiers_out, status):
    """The ``callcenter_config`` commands making ``agent`` the database's: added (an
    existing one answers -ERR, harmless), its contact, its tiers, its status last (a
    status change wakes the queues up)."""
    return ([f"callcenter_config agent add {agent} Callback",
             f"callcenter_config agent set contact {agent} {contact}"]
            + [f"callcenter_config tier add {queue} {agent} 1 1" for queue in tiers_in]
            + [f"callcenter_config tier del {queue} {agent}" for queue in tiers_out]
            + [f"callcenter_config agent set status {agent} {quoted(status)}"])


def commands_for(extension, domain_name, rows):
    """``agent_commands`` for ``extension`` from its rows (services.queues.rows_of)."""
    agent = queue_service.agent_name(extension.number, domain_name)
    ring = max((row.queue.agent_ring_seconds for row in rows), default=20)
    tiers_in = [queue_service.queue_name(row.queue.number, domain_name)
                for row in rows if row.logged_in]
    tiers_out = [queue_service.queue_name(row.queue.number, domain_name)
                 for row in rows if not row.logged_in]
    return agent_commands(agent, queue_service.contact(extension.number, domain_name, ring),
                          tiers_in, tiers_out, queue_service.status_of(rows))


def parse_list(body):
    """Rows of a ``callcenter_config agent list`` / ``tier list`` answer (a header line of
    ``|``-separated names, one line a row, ``+OK`` last) as dicts; [] for anything else."""
    lines = [line for line in (body or "").splitlines() if line.strip()]
    if not lines or "|" not in lines[0]:
        return []
    names = lines[0].split("|")
    return [dict(zip(names, line.split("|"))) for line in lines[1:]
            if line.strip() != "+OK" and line.count("|") == len(names) - 1]


def resync_commands(agent_list, tier_list):
    """What the switch must be told for its agents and tiers (``parse_list`` rows) to be
    the database's: for every agent of the database its ``agent_commands``, tiers of ours
    the database does not have deleted, agents of our domains it does not have deleted."""
    agents = queue_service.agents_by_name(queue_service.agent_rows())
    domains = {domain.name for domain in Domain.select(Domain.name)}
    wanted_tiers = {(queue_service.queue_name(row.queue.number, domain_name), name)
                    for name, (_, domain_name, rows) in agents.items()
                    for row in rows if row.logged_in}
    commands = []
    for name, (number, domain_name, rows) in agents.items():
        commands += agent_commands(
            name,
            queue_service.contact(number, domain_name, queue_service.ring_seconds(rows)),
            [queue for queue, agent in sorted(wanted_tiers) if agent == name], [],
            queue_service.status_of(rows))
    ours = {row.get("name", "") for row in agent_list} | {row.get("agent", "")
                                                          for row in tier_list}
    for tier in tier_list:
        key = (tier.get("queue", ""), tier.get("agent", ""))
        if key not in wanted_tiers and _ours(key[1], domains) and _plain(*key):
            commands.append(f"callcenter_config tier del {key[0]} {key[1]}")
    for name in sorted(ours):
        if name and name not in agents and _ours(name, domains) and _plain(name):
            commands.append(f"callcenter_config agent del {name}")
    return commands


def _ours(agent, domains):
    return agent.partition("@")[2] in domains


def _plain(*names):
    """Only names as we make them go back into a command (no spaces, quotes, ${...})."""
    return all(name and all(c.isalnum() or c in "@.-_" for c in name) for name in names)


class QueueSync:
    """Attached to the listener: resync on every connect, agent-status-change applied."""

    def __init__(self, listener):
        self.listener = listener
        listener.connect_hooks.append(self.resync)
        listener.header_observers.append(self.on_headers)

    def resync(self, client):
        agent_list = parse_list(_body(client.api("callcenter_config agent list")))
        tier_list = parse_list(_body(client.api("callcenter_config tier list")))
        for command in resync_commands(agent_list, tier_list):
            client.api(command)

    def on_headers(self, headers):
        if (headers.get("Event-Subclass") != SUBCLASS
                or headers.get("CC-Action") != "agent-status-change"):
            return
        agent, status = headers.get("CC-Agent", ""), headers.get("CC-Agent-Status", "")
        domain = Domain.get_or_none(Domain.name == agent.partition("@")[2])
        if domain is not None and queue_service.apply_status(domain, agent, status):
            log.info("queue agent %s is %s (the switch says)", agent, status)


def _body(answer):
    """An api answer's body as text (greenswitch gives an event with ``data``)."""
    data = getattr(answer, "data", answer)
    if isinstance(data, bytes):
        data = data.decode("utf-8", "replace")
    return data if isinstance(data, str) else ""
