"""``switchctl queue list|add|remove|set|agent add|agent remove``: call queues
(mod_callcenter, manual §2.7) and their static agents."""

from switchctl.cli.common import command, handles
from switchctl.services import queues


def add_parser(commands):
    actions = commands.add_parser(
        "queue", help="manage call queues and their static agents").add_subparsers(
        dest="action", required=True)
    handles(actions.add_parser("list", help="list queues and their agents"), cmd_queue_list)
    add = command(actions, "add", cmd_queue_add, "add a queue", "number")
    add.add_argument("--name", required=True)
    add.add_argument("--strategy", default=queues.DEFAULT_STRATEGY, choices=queues.STRATEGIES)
    command(actions, "remove", cmd_queue_remove, "remove a queue (and its agents)", "number")
    change = command(actions, "set", cmd_queue_set, "change a queue's number, name or strategy",
                     "number")
    change.add_argument("--number", dest="new_number")
    change.add_argument("--name")
    change.add_argument("--strategy", choices=queues.STRATEGIES)
    _add_agent_parser(actions)


def _add_agent_parser(actions):
    agent = actions.add_parser("agent", help="static agents of a queue").add_subparsers(
        dest="agent_action", required=True)
    for action, handler, summary in (("add", cmd_agent_add, "make extensions static agents"),
                                     ("remove", cmd_agent_remove, "take agents off a queue")):
        command(agent, action, handler, summary, "queue").add_argument(
            "numbers", nargs="+", metavar="EXTENSION")


def cmd_queue_list(domain, args):
    for queue in queues.list_queues(domain):
        numbers = " ".join(f"{agent.extension.number}" + ("" if agent.kind == "static" else "*")
                           for agent in queues.agents(queue))
        print(f"{queue.number}\t{queue.name}\t{queue.strategy}\t{numbers or '-'}")
    return 0


def cmd_queue_add(domain, args):
    queue = queues.add_queue(domain, args.number, args.name, args.strategy)
    print(f"added queue {queue.number}")
    return 0


def cmd_queue_remove(domain, args):
    queues.remove_queue(queues.queue_by_number(domain, args.number))
    print(f"removed queue {args.number}")
    return 0


def cmd_queue_set(domain, args):
    queue = queues.update_queue(queues.queue_by_number(domain, args.number),
                                number=args.new_number, name=args.name, strategy=args.strategy)
    print(f"queue {queue.number} saved")
    return 0


def cmd_agent_add(domain, args):
    queue = queues.queue_by_number(domain, args.queue)
    queues.add_agents(queue, args.numbers)
    print(f"queue {queue.number}: {', '.join(args.numbers)} added")
    return 0


def cmd_agent_remove(domain, args):
    queue = queues.queue_by_number(domain, args.queue)
    queues.remove_agents(queue, args.numbers)
    print(f"queue {queue.number}: {', '.join(args.numbers)} removed")
    return 0
