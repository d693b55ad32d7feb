"""What the command groups share: how a command names its handler, and the lookups they repeat."""

import argparse
import datetime

from switchctl.services import ValidationError
from switchctl.services import extensions as extension_service

SETTINGS, DATABASE, DOMAIN = "settings", "database", "domain"
DOMAIN_SETTINGS = "domain and settings"


def handles(parser, handler, needs=DOMAIN):
    """``handler`` runs the command ``parser`` parses, given what it ``needs``.

    ``SETTINGS``: ``handler(settings, args)``, no database opened; ``DATABASE``:
    ``handler(db, settings, args)``; ``DOMAIN``: ``handler(domain, args)`` once the schema is
    current and the configured domain exists; ``DOMAIN_SETTINGS``: ``handler(domain,
    settings, args)`` likewise.
    """
    parser.set_defaults(handler=handler, needs=needs)


def command(actions, name, handler, summary, *positionals):
    """The subcommand ``name`` of ``actions`` (help ``summary``) taking ``positionals``,
    run by ``handler`` (given the domain); its parser, for any options it has besides."""
    parser = actions.add_parser(name, help=summary)
    for positional in positionals:
        parser.add_argument(positional)
    handles(parser, handler)
    return parser


def existing_extension(domain, number):
    extension = extension_service.find_extension(domain, number)
    if extension is None:
        raise ValidationError(f"extension {number} does not exist")
    return extension


def print_password(password, given):
    """Print a generated password once; one the user typed is never echoed."""
    if not given:
        print(f"password {password}")


def date_argument(text):
    """A day given as YYYY-MM-DD (an argparse type)."""
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def print_settings(values):
    """A feature's settings in force, ``[(key, value, what it is)]``, one per line."""
    for key, value, what in values:
        print(f"{key}\t{value}\t({what})")
    return 0


def print_setting(values, key):
    """The one setting ``key`` of ``values`` (as print_settings takes them) after a change."""
    print(f"{key} = {dict((name, value) for name, value, _ in values)[key]}")
    return 0
