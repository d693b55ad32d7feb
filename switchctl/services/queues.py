"""Call queues (mod_callcenter, manual §2.7) and their agents.

Plain records and their rules: a number to dial, a name, a strategy from
mod_callcenter's list, and the extensions that answer it (static agents set here;
dynamic ones log in with ``*62``). The call flow that serves a queue reads them."""

import re

import peewee

from switchctl.models import Domain, Extension, Queue, QueueAgent, database
from switchctl.models.queues import AGENT_DYNAMIC, AGENT_STATIC
from switchctl.services import ValidationError, one_in_domain
from switchctl.services.conferences import check_name
from switchctl.services.internal_numbers import check_free_number

# mod_callcenter's strategies (its cc_queue strategy names), the default first.
STRATEGIES = (
    "longest-idle-agent", "ring-all", "round-robin", "top-down", "agent-with-least-talk-time",
    "agent-with-fewest-calls", "sequentially-by-agent-order", "random", "ring-progressively",
)
DEFAULT_STRATEGY = STRATEGIES[0]
KINDS = (AGENT_STATIC, AGENT_DYNAMIC)
DEFAULT_HOLD_MUSIC = "local_stream://moh"
# Hold music goes into the switch's configuration and the dialplan, where ${...} expands:
# only a local stream's name or a path of the sound set (letters, digits, / _ . -).
HOLD_MUSIC = re.compile(
    r"^(local_stream://[A-Za-z0-9_-]{1,64}|[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*)\Z")
DESTINATION = re.compile(r"^[0-9]{2,16}\Z")
MAX_WAIT_LIMIT = 86400  # mod_callcenter's max-wait-time range
RING_LIMITS = (5, 120)

# mod_callcenter's agent statuses (cc_agent_status)
AVAILABLE, ON_BREAK, LOGGED_OUT = "Available", "On Break", "Logged Out"


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


def check_hold_music(music):
    if not HOLD_MUSIC.match(music):
        raise ValidationError("hold music %(music)s is neither local_stream://<name> nor a "
                              "sound of the set", {"music": music})
    return music


def check_seconds(value, low, high, what):
    try:
        seconds = int(str(value).strip())
    except ValueError:
        seconds = None
    if seconds is None or not low <= seconds <= high:
        raise ValidationError("%(what)s must be a whole number of seconds from %(low)s to "
                              "%(high)s", {"what": what, "low": low, "high": high})
    return seconds


def check_destination(domain, destination, queue_number):
    """A timeout destination: empty (the caller is let go) or a number of the domain's
    own extensions or queues, not the queue itself."""
    destination = destination.strip()
    if not destination:
        return ""
    if not DESTINATION.match(destination) or destination == queue_number:
        raise ValidationError("timeout destination %(number)s is not a number of this "
                              "office", {"number": destination})
    known = (Extension.select().where(Extension.domain == domain,
                                      Extension.number == destination).exists()
             or Queue.select().where(Queue.domain == domain,
                                     Queue.number == destination).exists())
    if not known:
        raise ValidationError("timeout destination %(number)s is not a number of this "
                              "office", {"number": destination})
    return destination


def _settings(domain, number, hold_music, max_wait, timeout_destination, ring):
    return {"hold_music": check_hold_music(hold_music.strip()),
            "max_wait_seconds": check_seconds(max_wait, 0, MAX_WAIT_LIMIT, "the longest wait"),
            "timeout_destination": check_destination(domain, timeout_destination, number),
            "agent_ring_seconds": check_seconds(ring, *RING_LIMITS, "the agent ring time")}


def add_queue(domain, number, name, strategy=DEFAULT_STRATEGY, hold_music=DEFAULT_HOLD_MUSIC,
              max_wait_seconds=0, timeout_destination="", agent_ring_seconds=20):
    number, name = number.strip(), name.strip()
    check_name(name, required=True)
    check_strategy(strategy)
    with database.atomic():
        settings = _settings(domain, number, hold_music, max_wait_seconds, timeout_destination,
                             agent_ring_seconds)
        check_free_number(domain, number)
        return Queue.create(domain=domain, number=number, name=name, strategy=strategy,
                            **settings)


def update_queue(queue, number=None, name=None, strategy=None, hold_music=None,
                 max_wait_seconds=None, timeout_destination=None, agent_ring_seconds=None):
    """Change what is given (None: keep it); all checked before anything is stored."""
    number = queue.number if number is None else number.strip()
    name = queue.name if name is None else name.strip()
    strategy = queue.strategy if strategy is None else strategy
    check_name(name, required=True)
    check_strategy(strategy)
    with database.atomic():
        settings = _settings(
            queue.domain_id, number,
            queue.hold_music if hold_music is None else hold_music,
            queue.max_wait_seconds if max_wait_seconds is None else max_wait_seconds,
            queue.timeout_destination if timeout_destination is None else timeout_destination,
            queue.agent_ring_seconds if agent_ring_seconds is None else agent_ring_seconds)
        check_free_number(queue.domain_id, number, queue_id=queue.id)
        queue.number, queue.name, queue.strategy = number, name, strategy
        for field, value in settings.items():
            setattr(queue, field, value)
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


def add_agent(queue, number, kind=AGENT_STATIC):
    """Make extension ``number`` of the queue's domain an agent of ``queue``: static
    (always in the queue) or dynamic (allowed to log in with ``*62#``, logged out)."""
    if kind not in KINDS:
        raise ValidationError("an agent is static or dynamic, not %(kind)s", {"kind": kind})
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
        return QueueAgent.create(queue=queue, extension=extension, kind=kind,
                                 logged_in=kind == AGENT_STATIC)


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


def add_agents(queue, numbers, kind=AGENT_STATIC):
    """``add_agent`` for each of ``numbers``: all of them, or none."""
    with database.atomic():
        for number in numbers:
            add_agent(queue, number, kind)


def remove_agents(queue, numbers):
    """``remove_agent`` for each of ``numbers``: all of them, or none."""
    with database.atomic():
        for number in numbers:
            remove_agent(queue, number)


# The agents' state: one mod_callcenter agent per extension, ``<number>@<domain>``, in
# each queue through a tier while it is logged in there.

def agent_name(extension_number, domain_name):
    return f"{extension_number}@{domain_name}"


def queue_name(queue_number, domain_name):
    return f"{queue_number}@{domain_name}"


def contact(extension_number, domain_name, ring_seconds):
    """An agent's phone as mod_callcenter originates it: the directory's user, rung for
    ``ring_seconds``."""
    return f"[leg_timeout={int(ring_seconds)}]user/{extension_number}@{domain_name}"


def agent_rows():
    """Every agent row with its queue, extension and domain (one query)."""
    return list(QueueAgent.select(QueueAgent, Queue, Extension, Domain)
                .join(Queue, on=(QueueAgent.queue == Queue.id))
                .join(Domain, on=(Queue.domain == Domain.id))
                .switch(QueueAgent).join(Extension, on=(QueueAgent.extension == Extension.id))
                .order_by(Domain.name, Queue.number, Extension.number))


def agents_by_name(rows):
    """``{agent name: (extension number, domain name, [rows])}`` for ``agent_rows()``."""
    found = {}
    for row in rows:
        name = agent_name(row.extension.number, row.queue.domain.name)
        found.setdefault(name, (row.extension.number, row.queue.domain.name, []))[2].append(row)
    return found


def ring_seconds(rows):
    return max(row.queue.agent_ring_seconds for row in rows)


def rows_of(extension):
    """The extension's agent rows with their queues, by queue number."""
    return list(QueueAgent.select(QueueAgent, Queue)
                .join(Queue, on=(QueueAgent.queue == Queue.id))
                .where(QueueAgent.extension == extension).order_by(Queue.number))


def status_of(rows):
    """The agent's mod_callcenter status from its rows: Logged Out when it is in no queue,
    else On Break when paused, else Available."""
    rows = [row for row in rows if row.logged_in]
    if not rows:
        return LOGGED_OUT
    return ON_BREAK if any(row.paused for row in rows) else AVAILABLE


def log_in(extension):
    """``*62#``: the extension's dynamic rows logged in (its static ones are in already).
    Returns its rows after the change; [] when it answers no queue."""
    with database.atomic():
        rows = rows_of(extension)
        for row in rows:
            if row.kind == AGENT_DYNAMIC and not row.logged_in:
                row.logged_in = True
                row.save()
    return rows


def log_out(extension):
    """``*062#``: the extension's dynamic rows logged out (and unpaused)."""
    with database.atomic():
        rows = rows_of(extension)
        for row in rows:
            if row.kind == AGENT_DYNAMIC and (row.logged_in or row.paused):
                row.logged_in, row.paused = False, False
                row.save()
    return rows


def set_paused(extension, paused):
    """``*95#`` / ``*095#``: every row of the extension paused or not."""
    with database.atomic():
        rows = rows_of(extension)
        QueueAgent.update(paused=paused).where(QueueAgent.extension == extension).execute()
        for row in rows:
            row.paused = paused
    return rows


def apply_status(domain, agent, status):
    """mod_callcenter says the agent ``agent`` (``<number>@<domain name>``) has ``status``
    (someone ran callcenter_config, or a queue put it On Break after a missed call): the
    database follows. Returns True when something changed; an unknown agent or status
    changes nothing."""
    number, _, domain_name = agent.partition("@")
    if domain_name != domain.name or status not in (AVAILABLE, ON_BREAK, LOGGED_OUT):
        return False
    extension = Extension.get_or_none(Extension.domain == domain, Extension.number == number)
    if extension is None:
        return False
    rows = rows_of(extension)
    if not rows or status_of(rows) == status:
        return False
    with database.atomic():
        for row in rows:
            if status == LOGGED_OUT:  # a static agent stays in its queues
                row.logged_in, row.paused = row.kind == AGENT_STATIC, False
            else:  # pausing or unpausing logs nobody in or out
                row.paused = status == ON_BREAK
            row.save()
    return True
