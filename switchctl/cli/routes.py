"""``switchctl route list|add|remove|set`` and ``switchctl gateway list|add|remove``:
the outbound routes (prefix -> SIP gateway) and the gateway names they may use."""

from switchctl.cli.common import command, handles
from switchctl.services import outbound_routes as routes


def add_parser(commands):
    actions = commands.add_parser(
        "route", help="outbound routes: a prefix dialled before outside numbers, a gateway"
    ).add_subparsers(dest="action", required=True)
    handles(actions.add_parser("list", help="list outbound routes"), cmd_route_list)
    command(actions, "add", cmd_route_add, "add an outbound route", "prefix", "gateway")
    command(actions, "remove", cmd_route_remove, "remove an outbound route", "prefix")
    change = command(actions, "set", cmd_route_set, "change a route's prefix or gateway",
                     "prefix")
    change.add_argument("--prefix", dest="new_prefix")
    change.add_argument("--gateway")
    _add_gateway_parser(commands)


def _add_gateway_parser(commands):
    actions = commands.add_parser(
        "gateway", help="the SIP gateway names outbound routes may use").add_subparsers(
        dest="action", required=True)
    handles(actions.add_parser("list", help="list gateway names"), cmd_gateway_list)
    for action, handler, summary in (
            ("add", cmd_gateway_add, "add a gateway name (as in the switch's gateway file)"),
            ("remove", cmd_gateway_remove, "remove a gateway name no route uses")):
        command(actions, action, handler, summary, "name")


def cmd_route_list(domain, args):
    for route in routes.list_routes(domain):
        print(f"{route.prefix}\t{route.gateway}")
    return 0


def cmd_route_add(domain, args):
    route = routes.add_route(domain, args.prefix, args.gateway)
    print(f"added route {route.prefix} -> {route.gateway}")
    return 0


def cmd_route_remove(domain, args):
    routes.remove_route(routes.route_by_prefix(domain, args.prefix))
    print(f"removed route {args.prefix}")
    return 0


def cmd_route_set(domain, args):
    route = routes.update_route(routes.route_by_prefix(domain, args.prefix),
                                prefix=args.new_prefix, gateway=args.gateway)
    print(f"route {route.prefix} -> {route.gateway}")
    return 0


def cmd_gateway_list(domain, args):
    for name in routes.gateways(domain):
        print(name)
    return 0


def cmd_gateway_add(domain, args):
    routes.add_gateway(domain, args.name)
    print(f"added gateway {args.name.strip()}")
    return 0


def cmd_gateway_remove(domain, args):
    routes.remove_gateway(domain, args.name)
    print(f"removed gateway {args.name}")
    return 0
