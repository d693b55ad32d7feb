"""``switchctl codes list|set FEATURE CODE|reset FEATURE``: the feature codes the domain's
users dial, and the admin's overrides (the same service functions as the portal's page)."""

from switchctl.cli.common import command, handles
from switchctl.services import feature_codes


def add_parser(commands):
    actions = commands.add_parser(
        "codes", help="feature codes: list them, override one, back to the default"
    ).add_subparsers(dest="action", required=True)
    handles(actions.add_parser("list", help="every feature code as users dial it"), cmd_list)
    change = actions.add_parser("set", help="give a feature a code of the domain's own")
    change.add_argument("feature", help="the feature's key (see 'switchctl codes list')")
    change.add_argument("code", help="starts with * or #; at most 8 of *, #, 0-9")
    handles(change, cmd_set)
    command(actions, "reset", cmd_reset, "a feature back to its default code", "feature")


def cmd_list(domain, args):
    rows = feature_codes.code_rows(domain.id)
    width = max(len(row.feature.key) for row in rows)
    for row in rows:
        note = f"  (default {row.feature.code})" if row.overridden else ""
        when = " (in call)" if row.feature.in_call else ""
        print(f"{row.feature.key:<{width}}  {row.usage:<16} {row.feature.summary}{when}{note}")
    return 0


def cmd_set(domain, args):
    feature_codes.set_override(domain.id, args.feature, args.code)
    print(f"{args.feature} is now dialled {feature_codes.domain_codes(domain.id)[args.feature]}")
    return 0


def cmd_reset(domain, args):
    feature_codes.reset_override(domain.id, args.feature)
    print(f"{args.feature} is back to {feature_codes.BY_KEY[args.feature].code}")
    return 0
