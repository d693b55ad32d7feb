"""Call queues (mod_callcenter, manual §2.7) and their agents.

Plain records and their rules: a number to dial, a name, a strategy from
mod_callcenter's list, and the extensions that answer it (static agents set here;
dynamic ones log in with ``*62``). The call flow that serves a queue reads them."""

import peewee

from switchctl.models import Extension, Queue, QueueAgent, database
from switchctl.models.queues import AGENT_STATIC
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.conferences import check_name
from switchctl.services.internal_numbers import check_free_number

# mod_callcenter's strategies (its cc_queue strategy names), the default first.
STRATEGIES = (
    "longest-idle-agent", "ring-all", "round-robin", "top-down", "agent-with-least-talk-time",
    "agent-with-fewest-calls", "sequentially-by-agent-order", "random", "ring-progressively",
)
DEFAULT_STRATEGY = STRATEGIES[0]


def check_strategy(strategy):
    if strategy not in STRATEGIES:
        raise ValidationError("strategy %(strategy)s is not one of mod_callcenter's",
                              {"strategy": strategy})
    return strategy


def list_queues(domain):
    """The domain's queues by number, each with ``agent_count`` (one query)."""
    return (Queue.select(Queue, peewee.fn.COUNT(QueueAgent.id).alias("agent_count"))
            .join(QueueAgent, peewee.JOIN.LEFT_OUTER, on=(QueueAgent.queue == Queue.id))
            .where(Queue.domain == domain)
            .group_by(Queue.id).order_by(Queue.number))


def find_queue(domain, queue_id):
    """The queue ``queue_id`` of ``domain``, or None (another domain's id finds nothing)."""
    return one_in_domain(Queue, domain, id=queue_id)


def queue_by_number(domain, number):
    return one_in_domain(Queue, domain, ValidationError(
        "there is no queue %(number)s", {"number": number}), number=number)


def add_queue(domain, number, name, strategy=DEFAULT_STRATEGY):
    number, name = number.strip(), name.strip()
    check_name(name, required=True)
    check_strategy(strategy)
    with database.atomic():
        check_free_number(domain, number)
        return Queue.create(domain=domain, number=number, name=name, strategy=strategy)


def update_queue(queue, number=None, name=None, strategy=None):
    """Change what is given (None: keep it); all checked before anything is stored."""
    number = queue.number if number is None else number.strip()
    name = queue.name if name is None else name.strip()
    strategy = queue.strategy if strategy is None else strategy
    check_name(name, required=True)
    check_strategy(strategy)
    with database.atomic():
        check_free_number(queue.domain_id, number, queue_id=queue.id)
        queue.number, queue.name, queue.strategy = number, name, strategy
        queue.save()
    return queue


def remove_queue(queue):
    """Remove ``queue`` and its agents."""
    with database.atomic():
        QueueAgent.delete().where(QueueAgent.queue == queue).execute()
        queue.delete_instance()


def agents(queue):
    """The queue's agents with their extensions, by extension number."""
    return (QueueAgent.select(QueueAgent, Extension)
            .join(Extension, on=(QueueAgent.extension == Extension.id))
            .where(QueueAgent.queue == queue).order_by(Extension.number))


def add_agent(queue, number):
    """Make extension ``number`` of the queue's domain a static agent of ``queue``."""
    number = number.strip().replace("\0", " ")  # no number's (PostgreSQL refuses a NUL)
    with database.atomic():
        extension = Extension.get_or_none(Extension.domain == queue.domain_id,
                                          Extension.number == number)
        if extension is None:
            raise ValidationError("there is no extension %(number)s", {"number": number})
        if QueueAgent.select().where(QueueAgent.queue == queue,
                                     QueueAgent.extension == extension).exists():
            raise ValidationError("extension %(number)s already answers queue %(queue)s",
                                  {"number": number, "queue": queue.number})
        return QueueAgent.create(queue=queue, extension=extension, kind=AGENT_STATIC)


def remove_agent(queue, number):
    """Extension ``number`` no longer answers ``queue``."""
    wanted = number.strip().replace("\0", " ")  # no number's (PostgreSQL refuses a NUL)
    extension = Extension.select(Extension.id).where(Extension.domain == queue.domain_id,
                                                     Extension.number == wanted)
    removed = QueueAgent.delete().where(QueueAgent.queue == queue,
                                        QueueAgent.extension.in_(extension)).execute()
    if not removed:
        raise ValidationError("extension %(number)s is not an agent of queue %(queue)s",
                              {"number": number, "queue": queue.number})


def add_agents(queue, numbers):
    """``add_agent`` for each of ``numbers``: all of them, or none."""
    with database.atomic():
        for number in numbers:
            add_agent(queue, number)


def remove_agents(queue, numbers):
    """``remove_agent`` for each of ``numbers``: all of them, or none."""
    with database.atomic():
        for number in numbers:
            remove_agent(queue, number)
