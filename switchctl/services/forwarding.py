"""Call forwarding (four independent types), do-not-disturb and follow-me."""

import re

from switchctl.models import Extension, FollowMeEntry, ForwardRule, database
from switchctl.models.forwarding import FORWARD_KINDS
from switchctl.services import ValidationError
from switchctl.services.domains import outbound_prefixes
from switchctl.services.numbers import split_outbound

MAX_DESTINATION = 32
DIGITS = re.compile(r"^[0-9]+\Z")


def check_destination(extension, destination):
    """A forward or follow-me target: another extension, or prefix + external number."""
    if not DIGITS.match(destination or "") or len(destination) > MAX_DESTINATION:
        raise ValidationError("a forwarding number is digits only")
    if destination == extension.number:
        raise ValidationError("an extension cannot forward to itself")
    exists = Extension.select().where(Extension.domain == extension.domain_id,
                                      Extension.number == destination).exists()
    if exists:
        return destination
    if split_outbound(destination, outbound_prefixes(extension.domain)) is None:
        raise ValidationError(f"{destination} is neither an extension nor an outside number "
                              "with the outbound prefix")
    if not extension.outbound_allowed:
        raise ValidationError(f"extension {extension.number} may not call outside numbers")
    return destination


def set_forward(extension, kind, destination, active=True):
    """Set (and by default activate) one forwarding type of ``extension``."""
    if kind not in FORWARD_KINDS:
        raise ValidationError(f"unknown forwarding type {kind!r}")
    check_destination(extension, destination)
    (ForwardRule.insert(extension=extension, kind=kind, destination=destination, active=active)
     .on_conflict(conflict_target=[ForwardRule.extension, ForwardRule.kind],
                  update={ForwardRule.destination: destination, ForwardRule.active: active})
     .execute())


def cancel_forward(extension, kind):
    """Deactivate one forwarding type; its number is kept for the portal."""
    if kind not in FORWARD_KINDS:
        raise ValidationError(f"unknown forwarding type {kind!r}")
    (ForwardRule.update(active=False)
     .where(ForwardRule.extension == extension, ForwardRule.kind == kind).execute())


def active_forwards(extension_id):
    """``{kind: destination}`` of the extension's active forwarding types."""
    query = ForwardRule.select(ForwardRule.kind, ForwardRule.destination).where(
        ForwardRule.extension == extension_id, ForwardRule.active)
    return {kind: destination for kind, destination in query.tuples()}


def set_dnd(extension, on):
    Extension.update(dnd=bool(on)).where(Extension.id == extension.id).execute()


def set_follow_me(extension, entries, enabled=True):
    """Replace the follow-me list with ``entries`` [(destination, timeout seconds)]."""
    entries = [(destination, _timeout(timeout)) for destination, timeout in entries]
    for destination, _ in entries:
        check_destination(extension, destination)
    with database.atomic():
        FollowMeEntry.delete().where(FollowMeEntry.extension == extension).execute()
        FollowMeEntry.insert_many([
            {"extension": extension.id, "position": position, "destination": destination,
             "timeout": timeout}
            for position, (destination, timeout) in enumerate(entries, 1)]).execute()
        Extension.update(follow_me_enabled=enabled and bool(entries)).where(
            Extension.id == extension.id).execute()


def _timeout(value):
    """A follow-me step's seconds (5 to 300), from a number or the ASCII digits of a form;
    anything else (words, '', other scripts' digits, fractions) is a ValidationError."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    if not (text.isascii() and text.isdigit() and 5 <= int(text) <= 300):
        raise ValidationError("a follow-me timeout is a whole number of seconds, 5 to 300")
    return int(text)


def follow_me_steps(extension_id):
    """``[(destination, timeout)]`` in order."""
    query = (FollowMeEntry.select(FollowMeEntry.destination, FollowMeEntry.timeout)
             .where(FollowMeEntry.extension == extension_id).order_by(FollowMeEntry.position))
    return list(query.tuples())
