"""``switchctl voicemail list EXT [--page N]|delete EXT ID|pin EXT PIN|set KEY VALUE``:
mailboxes for ops. A deletion lights the phones' lamps through the switch's event socket
when it answers (the running service does the same for every other change)."""

import argparse
import logging

from switchctl import schema
from switchctl.cli.common import DATABASE, existing_extension, handles
from switchctl.config import whole_number
from switchctl.esl.connection import Connection, ConnectionLost
from switchctl.esl.mwi import notice
from switchctl.services import ValidationError, voicemail, voicemail_settings
from switchctl.services import domains as domain_service

log = logging.getLogger(__name__)

SETTINGS = {"operator": voicemail.OPERATOR_SETTING, "max-seconds": voicemail.MAX_SECONDS_SETTING}
MAX_PAGE = 10_000


def message_id(text):
    if not voicemail.UID_PATTERN.match(text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a message id (as "
                                         "'switchctl voicemail list' shows them)")
    return text


def page_number(text):
    number = whole_number(text)
    if number is None or not 1 <= number <= MAX_PAGE:
        raise argparse.ArgumentTypeError(f"expected a page number from 1 to {MAX_PAGE}, "
                                         f"got {text!r}")
    return number


def add_parser(commands):
    actions = commands.add_parser("voicemail", help="voicemail messages and settings").\
        add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="an extension's messages, newest first")
    listing.add_argument("extension")
    listing.add_argument("--page", type=page_number, default=1)
    handles(listing, cmd_list)
    delete = actions.add_parser("delete", help="delete one message (its recording too)")
    delete.add_argument("extension")
    delete.add_argument("id", type=message_id)
    handles(delete, cmd_delete, needs=DATABASE)
    pin = actions.add_parser("pin", help="set a mailbox's PIN (a forgotten one; digits, "
                             f"{voicemail_settings.PIN_MIN_LENGTH}-"
                             f"{voicemail_settings.PIN_MAX_LENGTH} long)")
    pin.add_argument("extension")
    pin.add_argument("pin")
    handles(pin, cmd_pin)
    change = actions.add_parser("set", help="a domain voicemail setting: operator (the "
                                "extension 0 reaches in a greeting, '' for none) or "
                                "max-seconds (longest message, 1-3600, '' for 120)")
    change.add_argument("key", choices=sorted(SETTINGS))
    change.add_argument("value")
    handles(change, cmd_set)


def cmd_list(domain, args):
    box = voicemail.mailbox_of(existing_extension(domain, args.extension))
    page = voicemail.messages(box, page=args.page)
    for message in page.messages:
        print("\t".join((message.uid, f"{message.received:%Y-%m-%d %H:%M:%S}",
                         message.caller_number or "unknown", message.caller_name,
                         f"{message.duration} s", "saved" if message.read else "new")))
    if page.more:
        print(f"(more: --page {args.page + 1})")
    if not page.messages:
        print("no messages" if args.page == 1 else "no messages on this page")
    return 0


def cmd_pin(domain, args):
    box = voicemail.mailbox_of(existing_extension(domain, args.extension))
    try:
        voicemail_settings.change_pin(box.id, args.pin, args.pin)
    except voicemail_settings.PinRefused as exc:
        raise ValidationError(f"PIN not changed: {exc}") from None
    print(f"PIN of mailbox {args.extension} changed")
    return 0


def cmd_delete(db, settings, args):
    schema.require_current(db)
    domain = domain_service.find_domain(settings.domain)
    if domain is None:
        raise ValidationError(f"domain {settings.domain} does not exist: run 'switchctl init'")
    box = voicemail.mailbox_of(existing_extension(domain, args.extension))
    if not voicemail.delete_message(settings.media_folder, box, args.id):
        raise ValidationError(f"extension {args.extension} has no message {args.id}")
    print(f"deleted message {args.id}")
    problem = _light_lamp(settings, box)
    if problem:
        print(f"note: the phones' voicemail lamp was not updated ({problem}); it will be at "
              "the mailbox's next change")
    return 0


def _light_lamp(settings, box):
    """Send the mailbox's count to the switch; the reason it could not be, or ""."""
    command = notice(box.domain_name, box.number)
    connection = Connection(settings.esl.host, settings.esl.port, settings.esl_password)
    try:
        connection.connect()
        reply = connection.command(command)
    except (ConnectionLost, OSError, ValueError) as exc:
        return f"the switch's event socket at {settings.esl}: {exc or type(exc).__name__}"
    finally:
        _quietly_stop(connection)
    text = reply.headers.get("Reply-Text", "")
    return "" if text.startswith("+OK") else f"the switch said {text!r}"


def _quietly_stop(connection):
    try:
        connection.stop()
    except Exception:  # greenswitch's stop on a connection that never opened
        log.debug("event socket: stop after a failed connection", exc_info=True)


def cmd_set(domain, args):
    value = args.value.strip()
    if value and args.key == "operator":
        existing_extension(domain, value)
    if value and args.key == "max-seconds":
        number = whole_number(value)
        if number is None or not 1 <= number <= voicemail.MAX_SECONDS_LIMIT:
            raise ValidationError(f"max-seconds must be 1 to {voicemail.MAX_SECONDS_LIMIT}, "
                                  f"got {value!r}")
        value = str(number)
    domain_service.set_setting(domain, SETTINGS[args.key], value)
    if args.key == "operator":
        print(f"operator = {voicemail.operator(domain) or 'none'}")
    else:
        print(f"max-seconds = {voicemail.max_seconds(domain)}")
    return 0
