"""Call forwarding (four independent types), do-not-disturb and follow-me.

The phone (``*71``...) and the portal change the same rows through these functions, and
the dialplan (xml_curl/routing.py) reads them on every call. Each ForwardRule keeps its
number and its own enable (its column ``active``); the extension's ``forwarding_active``
is the portal's **activate** switch (manual §1.7: configured but not activated means no
forwarding). A rule is followed when both are on: ``followed()`` is that one condition,
used by the dialplan's queries (here and services/extensions.py) and by the page. Setting
a forward from the phone activates forwarding again.
"""

import dataclasses
import re

import peewee

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
        raise ValidationError("a forwarding number is digits only (at most 32)")
    if destination == extension.number:
        raise ValidationError("an extension cannot forward to itself")
    exists = Extension.select().where(Extension.domain == extension.domain_id,
                                      Extension.number == destination).exists()
    if exists:
        return destination
    if split_outbound(destination, outbound_prefixes(extension.domain)) is None:
        raise ValidationError("%(number)s is neither an extension nor an outside number "
                              "with the outbound prefix", {"number": destination})
    if not extension.outbound_allowed:
        raise ValidationError("extension %(number)s may not call outside numbers",
                              {"number": extension.number})
    return destination


TIMEOUT_LIMITS = (5, 300)


class NotYours(LookupError):
    """A follow-me entry id that is not one of the extension's own (the portal: 404)."""


class FormErrors(ValueError):
    """Every problem of one submitted form, as ``[(field, ValidationError)]``; nothing
    was stored."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors

    def __str__(self):
        return "; ".join(f"{field}: {error}" for field, error in self.errors)


@dataclasses.dataclass(frozen=True)
class Forward:
    kind: str
    destination: str
    enabled: bool
    active: bool  # what the dialplan follows: enabled and activated


@dataclasses.dataclass(frozen=True)
class Forwards:
    activated: bool
    rules: dict  # kind -> Forward, every kind


@dataclasses.dataclass(frozen=True)
class Step:
    id: int
    destination: str
    timeout: int


@dataclasses.dataclass(frozen=True)
class FollowMe:
    enabled: bool
    ring_seconds: int
    steps: list  # [Step] in order


def _check_kind(kind):
    if kind not in FORWARD_KINDS:
        raise ValidationError("unknown forwarding type %(kind)s", {"kind": kind})


def followed():
    """The one condition for a forward rule to be followed: its own enable and its
    extension's activate switch. A SQL expression over ForwardRule and its Extension row,
    for a query that reads both (the dialplan's read the extension row they load anyway)."""
    return ForwardRule.active & Extension.forwarding_active


def _upsert(extension_id, kind, destination, enabled):
    (ForwardRule.insert(extension=extension_id, kind=kind, destination=destination,
                        active=enabled)
     .on_conflict(conflict_target=[ForwardRule.extension, ForwardRule.kind],
                  update={ForwardRule.destination: destination, ForwardRule.active: enabled})
     .execute())


def _activate(extension, on):
    """The activate switch; each rule's number and enable stay as they are."""
    Extension.update(forwarding_active=bool(on)).where(Extension.id == extension.id).execute()
    extension.forwarding_active = bool(on)


def set_forward(extension, kind, destination):
    """Set and enable one forwarding type of ``extension`` (the phone's ``*71``...); it
    also activates forwarding, so the other types enabled on the portal are followed too."""
    _check_kind(kind)
    check_destination(extension, destination)
    with database.atomic():
        _upsert(extension.id, kind, destination, True)
        _activate(extension, True)


def cancel_forward(extension, kind):
    """Disable one forwarding type; its number is kept for the portal."""
    _check_kind(kind)
    (ForwardRule.update(active=False)
     .where(ForwardRule.extension == extension, ForwardRule.kind == kind).execute())


def active_forwards(extension_id):
    """``{kind: destination}`` of the extension's forwarding types the dialplan follows
    (one query)."""
    query = (ForwardRule.select(ForwardRule.kind, ForwardRule.destination)
             .join(Extension, on=(ForwardRule.extension == Extension.id))
             .where(ForwardRule.extension == extension_id, followed()))
    return {kind: destination for kind, destination in query.tuples()}


def forwards(extension_id):
    """The four forwarding types of the extension as the portal shows them (one query)."""
    query = (Extension.select(Extension.forwarding_active, ForwardRule.kind,
                              ForwardRule.destination, ForwardRule.active.alias("enabled"),
                              followed().alias("followed"))
             .join(ForwardRule, peewee.JOIN.LEFT_OUTER,
                   on=(ForwardRule.extension == Extension.id))
             .where(Extension.id == extension_id))
    rows = list(query.dicts())
    activated = bool(rows[0]["forwarding_active"]) if rows else True
    found = {row["kind"]: row for row in rows if row["kind"]}
    rules = {}
    for kind in FORWARD_KINDS:
        row = found.get(kind)
        rules[kind] = (Forward(kind, row["destination"], bool(row["enabled"]),
                               bool(row["followed"])) if row else
                       Forward(kind, "", False, False))
    return Forwards(activated, rules)


def save_forwards(extension, settings, activated):
    """The portal's forwarding form: ``settings`` {kind: (destination, enabled)} for the
    four types, and the activate switch. Every field is checked first (FormErrors names
    each bad one); then all is written in one transaction."""
    cleaned, errors = {}, []
    for kind in FORWARD_KINDS:
        destination, enabled = settings.get(kind, ("", False))
        destination = (destination or "").strip()
        try:
            if destination:
                check_destination(extension, destination)
            elif enabled:
                raise ValidationError("an enabled forward needs a number")
        except ValidationError as error:
            errors.append((kind, error))
        cleaned[kind] = (destination, bool(enabled))
    if errors:
        raise FormErrors(errors)
    with database.atomic():
        for kind, (destination, enabled) in cleaned.items():
            _upsert(extension.id, kind, destination, enabled)
        _activate(extension, activated)


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
    return _seconds(value, ValidationError(
        "a follow-me timeout is a whole number of seconds, 5 to 300"))


def _seconds(value, error):
    """``value`` as whole seconds within TIMEOUT_LIMITS, else raise ``error``."""
    text = str(value).strip() if not isinstance(value, bool) else ""
    low, high = TIMEOUT_LIMITS
    if not (text.isascii() and text.isdigit() and low <= int(text) <= high):
        raise error
    return int(text)


def follow_me_steps(extension_id):
    """``[(destination, timeout)]`` in order."""
    query = (FollowMeEntry.select(FollowMeEntry.destination, FollowMeEntry.timeout)
             .where(FollowMeEntry.extension == extension_id).order_by(FollowMeEntry.position))
    return list(query.tuples())


def _entries(extension_id):
    return list(FollowMeEntry.select().where(FollowMeEntry.extension == extension_id)
                .order_by(FollowMeEntry.position))


def follow_me(extension):
    """The extension's follow-me as the portal shows it."""
    steps = [Step(e.id, e.destination, e.timeout) for e in _entries(extension.id)]
    return FollowMe(extension.follow_me_enabled, extension.ring_seconds, steps)


def save_follow_me(extension, enabled, ring_seconds, timeouts, new=None):
    """The portal's follow-me form: the enable switch, the extension's own ring time,
    ``timeouts`` {entry id: seconds} of the listed steps, and ``new`` (destination,
    timeout) to add at the end, or None. An entry id that is not the extension's raises
    NotYours; bad fields raise FormErrors; nothing is written unless all is good."""
    entries = {e.id: e for e in _entries(extension.id)}
    if set(timeouts) - set(entries):
        raise NotYours(sorted(set(timeouts) - set(entries)))
    errors, changed = [], {}
    ring = _field(errors, "ring_seconds", _seconds, ring_seconds, ValidationError(
        "the ring time is a whole number of seconds, 5 to 300"))
    for entry_id, value in timeouts.items():
        changed[entry_id] = _field(errors, f"timeout-{entry_id}", _timeout, value)
    added = _new_step(errors, extension, entries, new)
    if enabled and not (entries or added):
        errors.append(("enabled", ValidationError("follow-me needs at least one number")))
    if errors:
        raise FormErrors(errors)
    with database.atomic():
        for entry_id, timeout in changed.items():
            FollowMeEntry.update(timeout=timeout).where(FollowMeEntry.id == entry_id).execute()
        if added:
            last = max((e.position for e in entries.values()), default=0)
            FollowMeEntry.create(extension=extension.id, position=last + 1,
                                 destination=added[0], timeout=added[1])
        Extension.update(follow_me_enabled=bool(enabled), ring_seconds=ring).where(
            Extension.id == extension.id).execute()


def _field(errors, name, check, value, *args):
    try:
        return check(value, *args)
    except ValidationError as error:
        errors.append((name, error))
        return None


def _new_step(errors, extension, entries, new):
    destination, timeout = new or ("", "")
    destination = (destination or "").strip()
    if not destination:
        return None
    if destination in {e.destination for e in entries.values()}:
        errors.append(("new", ValidationError("%(number)s is already in the follow-me list",
                                              {"number": destination})))
        return None
    checked = _field(errors, "new", check_destination, extension, destination)
    seconds = _field(errors, "new_timeout", _timeout, timeout)
    return (checked, seconds) if checked and seconds else None


def remove_follow_me_step(extension, entry_id):
    """Take one of the extension's own steps off its list (NotYours: not one of them);
    follow-me turns off with the last one."""
    with database.atomic():
        deleted = FollowMeEntry.delete().where(FollowMeEntry.id == entry_id,
                                               FollowMeEntry.extension == extension.id).execute()
        if not deleted:
            raise NotYours(entry_id)
        if not FollowMeEntry.select().where(FollowMeEntry.extension == extension.id).exists():
            Extension.update(follow_me_enabled=False).where(
                Extension.id == extension.id).execute()


def move_follow_me_step(extension, entry_id, offset):
    """Move one of the extension's own steps one place up (-1) or down (+1) in its list."""
    with database.atomic():
        entries = _entries(extension.id)
        index = next((i for i, e in enumerate(entries) if e.id == entry_id), None)
        if index is None:
            raise NotYours(entry_id)
        other = index + offset
        if offset not in (-1, 1) or not 0 <= other < len(entries):
            return
        first, second = entries[index], entries[other]
        # (extension, position) is unique: swap through a position no step uses.
        FollowMeEntry.update(position=0).where(FollowMeEntry.id == first.id).execute()
        FollowMeEntry.update(position=first.position).where(
            FollowMeEntry.id == second.id).execute()
        FollowMeEntry.update(position=second.position).where(
            FollowMeEntry.id == first.id).execute()
