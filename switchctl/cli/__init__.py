"""``switchctl``: set up the database, manage extensions, run the service."""

import argparse
import logging
import sys

import peewee

from switchctl import config as config_module
from switchctl import logs, schema
from switchctl.cli import (blacklist, calls, cdr, codes, conferences, contacts, database,
                           departments, extensions, fax, outbox, parking, portal, queues, routes,
                           serve, voicemail, wakeup)
from switchctl.cli.common import DATABASE, DOMAIN_SETTINGS, SETTINGS
from switchctl.db import DatabaseURLError, open_database
from switchctl.services import ValidationError
from switchctl.services import domains as domain_service

# One module per command group, in the order ``switchctl --help`` lists them; each has
# ``add_parser(commands)``, which adds its subcommands and names their handlers (common.handles).
GROUPS = (database, serve, extensions, departments, conferences, queues, parking, blacklist,
          routes, contacts, calls, cdr, portal, voicemail, outbox, wakeup, fax, codes)


class UsageError(Exception):
    """Bad command-line arguments."""


class Parser(argparse.ArgumentParser):
    def error(self, message):
        raise UsageError(message)


def build_parser():
    parser = Parser(prog="switchctl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in GROUPS:
        group.add_parser(commands)
    return parser


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = build_parser().parse_args(argv)
        settings = config_module.load()
        # A one-off command says what it did on stdout; its log shows warnings and worse
        # (serve logs at the level set).
        logs.configure(settings.log_level if args.command == "serve" else
                       max(settings.log_level, "WARNING", key=logging.getLevelName))
        return run(args, settings)
    except UsageError as exc:
        return _fail(f"{exc} (see 'switchctl --help')", 2)
    except (ValidationError, config_module.ConfigError, schema.SchemaError,
            DatabaseURLError) as exc:
        return _fail(str(exc))
    except peewee.PeeweeException as exc:
        return _fail(f"database error: {exc}")
    except OSError as exc:
        return _fail(f"{exc.strerror or exc}: {exc.filename or ''}".rstrip(": "))
    except KeyboardInterrupt:
        return 130


def _fail(message, code=1):
    # One line, whatever the message: PostgreSQL's connection errors come in several.
    print(f"switchctl: error: {logs.one_line(message)}", file=sys.stderr)
    return code


def run(args, settings):
    """Call the command's handler with what it needs (see common.handles)."""
    if args.needs == SETTINGS:
        return args.handler(settings, args)
    db = open_database(settings.database)
    with db.connection_context():
        if args.needs == DATABASE:
            return args.handler(db, settings, args)
        if args.needs == DOMAIN_SETTINGS:
            return args.handler(_domain(db, settings), settings, args)
        return args.handler(_domain(db, settings), args)


def _domain(db, settings):
    schema.require_current(db)
    domain = domain_service.find_domain(settings.domain)
    if domain is None:
        raise ValidationError(f"domain {settings.domain} does not exist: run 'switchctl init'")
    return domain
