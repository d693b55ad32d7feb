"""``switchctl queue list|show|add|remove|set|agent add|agent remove``: call queues
(mod_callcenter, manual §2.7), their settings and their static and dynamic agents."""

from switchctl.cli.common import command, handles
from switchctl.services import queues


def add_parser(commands):
    actions = commands.add_parser(
        "queue", help="manage call queues and their static agents").add_subparsers(
        dest="action", required=True)
    handles(actions.add_parser("list", help="list queues and their agents"), cmd_queue_list)
    command(actions, "show", cmd_queue_show, "a queue's settings and its agents' state",
            "number")
    add = command(actions, "add", cmd_queue_add, "add a queue", "number")
    add.add_argument("--name", required=True)
    add.add_argument("--strategy", default=queues.DEFAULT_STRATEGY, choices=queues.STRATEGIES)
    _settings_arguments(add, defaults=True)
    command(actions, "remove", cmd_queue_remove, "remove a queue (and its agents)", "number")
    change = command(actions, "set", cmd_queue_set, "change a queue's number, name or strategy",
                     "number")
    change.add_argument("--number", dest="new_number")
    change.add_argument("--name")
    change.add_argument("--strategy", choices=queues.STRATEGIES)
    _settings_arguments(change, defaults=False)
    _add_agent_parser(actions)


def _settings_arguments(parser, defaults):
    def given(value):
        return value if defaults else None
    parser.add_argument("--hold-music", default=given(queues.DEFAULT_HOLD_MUSIC),
                        help="local_stream://<name> or a sound of the set")
    parser.add_argument("--max-wait", default=given("0"), metavar="SECONDS",
                        help="longest wait before the timeout destination (0: no limit)")
    parser.add_argument("--timeout-destination", default=given(""), metavar="NUMBER",
                        help="an extension or queue of the office ('': hang up)")
    parser.add_argument("--ring-seconds", default=given("20"), metavar="SECONDS",
                        help="how long an agent's phone rings (5-120)")


def _add_agent_parser(actions):
    agent = actions.add_parser("agent", help="static agents of a queue").add_subparsers(
        dest="agent_action", required=True)
    for action, handler, summary in (
            ("add", cmd_agent_add, "make extensions agents (static, or --dynamic: they log "
                                   "in with *62#)"),
            ("remove", cmd_agent_remove, "take agents off a queue")):
        parser = command(agent, action, handler, summary, "queue")
        parser.add_argument("numbers", nargs="+", metavar="EXTENSION")
        if action == "add":
            parser.add_argument("--dynamic", action="store_true")


def cmd_queue_list(domain, args):
    for queue in queues.list_queues(domain):
        numbers = " ".join(f"{agent.extension.number}" + ("" if agent.kind == "static" else "*")
                           for agent in queues.agents(queue))
        print(f"{queue.number}\t{queue.name}\t{queue.strategy}\t{numbers or '-'}")
    return 0


def cmd_queue_show(domain, args):
    queue = queues.queue_by_number(domain, args.number)
    print(f"queue {queue.number}\t{queue.name}\nstrategy\t{queue.strategy}\n"
          f"hold music\t{queue.hold_music}\nmax wait\t{queue.max_wait_seconds} s\n"
          f"timeout destination\t{queue.timeout_destination or '-'}\n"
          f"agent ring time\t{queue.agent_ring_seconds} s")
    for agent in queues.agents(queue):
        state = ("logged in" if agent.logged_in else "logged out") + \
            (", paused" if agent.paused else "")
        print(f"agent {agent.extension.number}\t{agent.kind}\t{state}")
    return 0


def cmd_queue_add(domain, args):
    queue = queues.add_queue(domain, args.number, args.name, args.strategy,
                             hold_music=args.hold_music, max_wait_seconds=args.max_wait,
                             timeout_destination=args.timeout_destination,
                             agent_ring_seconds=args.ring_seconds)
    print(f"added queue {queue.number}")
    return 0


def cmd_queue_remove(domain, args):
    queues.remove_queue(queues.queue_by_number(domain, args.number))
    print(f"removed queue {args.number}")
    return 0


def cmd_queue_set(domain, args):
    queue = queues.update_queue(queues.queue_by_number(domain, args.number),
                                number=args.new_number, name=args.name, strategy=args.strategy,
                                hold_music=args.hold_music, max_wait_seconds=args.max_wait,
                                timeout_destination=args.timeout_destination,
                                agent_ring_seconds=args.ring_seconds)
    print(f"queue {queue.number} saved")
    return 0


def cmd_agent_add(domain, args):
    queue = queues.queue_by_number(domain, args.queue)
    queues.add_agents(queue, args.numbers, kind="dynamic" if args.dynamic else "static")
    print(f"queue {queue.number}: {', '.join(args.numbers)} added")
    return 0


def cmd_agent_remove(domain, args):
    queue = queues.queue_by_number(domain, args.queue)
    queues.remove_agents(queue, args.numbers)
    print(f"queue {queue.number}: {', '.join(args.numbers)} removed")
    return 0
