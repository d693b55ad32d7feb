"""``switchctl init``: create or upgrade the database and the configured domain."""

from switchctl import schema
from switchctl.cli.common import DATABASE, handles
from switchctl.services import domains as domain_service
from switchctl.services.demo import seed_demo


def add_parser(commands):
    init = commands.add_parser("init", help="create or upgrade the database (idempotent)")
    init.add_argument("--demo", action="store_true", help="add demo extensions if there are none")
    handles(init, cmd_init, needs=DATABASE)


def cmd_init(db, settings, args):
    before, after = schema.upgrade(db)
    state = "created" if before == 0 else ("up to date" if before == after else "upgraded")
    print(f"database {state} (schema version {after})")
    domain = domain_service.ensure_domain(settings.domain)
    print(f"domain {domain.name}")
    if args.demo:
        for number, name, password in seed_demo(domain):
            print(f"demo extension {number} ({name}) password {password}")
    return 0
