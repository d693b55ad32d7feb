"""Call queues (manual §2.7) for mod_callcenter: dialling a queue, its configuration.

- A queue's number (a Dialled: only our own users dial queues) answers the call and runs
  ``callcenter <number>@<domain>``; when that returns the call goes to the ``queue_exit``
  context with the queue's number.
- ``queue_exit`` (``route_queue_exit``): a caller who waited past the queue's limit
  (``cc_cancel_reason`` TIMEOUT or NO_AGENT_TIMEOUT) dials the queue's timeout
  destination as itself (``transfer <number> XML default``: its own rights, its own
  routing); otherwise, or with no destination set, the call ends.
- ``callcenter.conf`` (``configuration``) comes from the database on every load: each
  queue ``<number>@<domain>`` with its strategy, hold music and longest wait; each
  extension answering a queue as one agent ``<number>@<domain>`` (Callback, its phone by
  the directory, its status from its rows); a tier for each queue it is logged into.
  The module's own tables are emptied at load (truncate-*-on-load), so after a restart
  of the switch the database's state is the switch's.
"""

import re

from switchctl.freeswitch import contexts
from switchctl.models import Domain, Queue
from switchctl.services import queues as queue_service
from switchctl.xml_curl.actions import Route
from switchctl.xml_curl.documents import attr, document, params

QUEUE_NUMBER = re.compile(r"^[0-9]{2,8}\Z")  # as services.internal_numbers gives them
TIMED_OUT = ("TIMEOUT", "NO_AGENT_TIMEOUT")
# How long an agent's phone may ring before mod_callcenter tries the next one, and how
# many missed calls put an agent On Break (mod_callcenter's max-no-answer).
MAX_NO_ANSWER = 3
WRAP_UP_SECONDS = 5


def dial_queue(call):
    """A dialled queue number (a Dialled): its route, or None."""
    if not QUEUE_NUMBER.match(call.number):
        return None
    queue = Queue.get_or_none(Queue.domain == call.caller.domain_id,
                              Queue.number == call.number)
    if queue is None:
        return None
    return Route("queue", (
        ("answer", ""),
        ("callcenter", queue_service.queue_name(queue.number, call.domain)),
        ("transfer", f"{queue.number} XML {contexts.QUEUE_EXIT}"),
    ))


def route_queue_exit(request, domain):
    """The ``queue_exit`` context: the ``callcenter`` application returned."""
    number = request.destination
    if not QUEUE_NUMBER.match(number):
        return None
    queue = Queue.select().join(Domain).where(Queue.number == number,
                                              Domain.name == domain).first()
    if queue is None:
        return None
    if request.variable("cc_cancel_reason") in TIMED_OUT and queue.timeout_destination:
        return Route("queue-timeout", (
            ("transfer", f"{queue.timeout_destination} XML {contexts.INTERNAL}"),
        ))
    return Route("queue-end", (("hangup", "NORMAL_CLEARING"),))


def _queue(queue, domain_name):
    pairs = (("strategy", queue.strategy), ("moh-sound", queue.hold_music),
             ("max-wait-time", queue.max_wait_seconds), ("max-wait-time-with-no-agent", 0),
             ("tier-rules-apply", "false"), ("discard-abandoned-after", 60),
             ("agent-no-answer-status", queue_service.ON_BREAK))
    items = "".join(f'<param name="{attr(name)}" value="{attr(value)}"/>'
                    for name, value in pairs)
    return (f'<queue name="{attr(queue_service.queue_name(queue.number, domain_name))}">'
            f"{items}</queue>")


def _contact(number, domain_name, rows):
    return queue_service.contact(number, domain_name, queue_service.ring_seconds(rows))


def configuration(request):
    """callcenter.conf as a configuration document (bytes), or None for not-found."""
    queues = (Queue.select(Queue, Domain).join(Domain).order_by(Domain.name, Queue.number))
    agents = queue_service.agents_by_name(queue_service.agent_rows())
    settings = params("settings", "param", (
        ("odbc-dsn", ""), ("truncate-agents-on-load", "true"),
        ("truncate-tiers-on-load", "true")))
    queue_xml = "".join(_queue(queue, queue.domain.name) for queue in queues)
    agent_xml = "".join(
        f'<agent name="{attr(name)}" type="Callback" '
        f'contact="{attr(_contact(number, domain_name, rows))}" '
        f'status="{attr(queue_service.status_of(rows))}" '
        f'max-no-answer="{MAX_NO_ANSWER}" wrap-up-time="{WRAP_UP_SECONDS}" '
        'reject-delay-time="10" busy-delay-time="10" no-answer-delay-time="10"/>'
        for name, (number, domain_name, rows) in agents.items())
    tier_xml = "".join(
        f'<tier agent="{attr(name)}" '
        f'queue="{attr(queue_service.queue_name(row.queue.number, domain_name))}" '
        'level="1" position="1"/>'
        for name, (number, domain_name, rows) in agents.items()
        for row in rows if row.logged_in)
    return document("configuration", (
        '<configuration name="callcenter.conf" description="Call queues from switchctl">'
        f"{settings}<queues>{queue_xml}</queues><agents>{agent_xml}</agents>"
        f"<tiers>{tier_xml}</tiers></configuration>"))
