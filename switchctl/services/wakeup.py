"""Wake-up calls (manual §2.9): booked by phone (``*55``), by ``switchctl wakeup`` or the
portal; rung by the ringer (switchctl.esl.wakeup_ringer), answered by the wake-up flow
(switchctl.ivr.wakeup_call).

A person gives a wall-clock time, ``MMDDHHMM`` or ``HHMM``, in the domain's time zone (the
domain setting ``timezone``, an IANA name; default the zone of the machine switchctl runs
on); the tables keep naive UTC. The time booked is the next such moment after now.

Ringing, safe for several switchctl instances on one database:

- ``due``: one query on the (status, next_try) index gives the scheduled rows whose
  ``next_try`` has come and the ringing rows whose claim has run out (while a row rings,
  ``next_try`` is its claim's end, ``claimed_until``).
- ``claim``: per row an UPDATE only one instance can win (``status='scheduled' AND
  next_try <= now``); the winner records an attempt and places the call. A row that fell
  due more than ``wakeup_missed_minutes`` ago (switchctl or the switch was away) is
  marked missed instead; a later one rings once it can.
- A ringing row whose claim ran out was not answered within the ring time (or the
  instance that rang it died): that attempt is ``no_answer`` and the call is tried again
  ``wakeup_retry_minutes`` later, ``wakeup_retries`` times at most, then it has failed.
- The flow says ``answered`` (the claim is extended while it talks), then ``acknowledge``
  (done), ``snooze`` (rung again ``wakeup_snooze_minutes`` later, its tries counted
  afresh) or ``no_key`` (answered, no key: tried again like an unanswered call; after
  the last try the call is done, not acknowledged).
"""

import calendar
import dataclasses
import datetime
import logging
import uuid as uuid_module

import peewee

from switchctl.models import Domain, Extension, WakeupAttempt, WakeupCall, database
from switchctl.services import ValidationError, domains, setting_limits
from switchctl.services.setting_limits import Limit
from switchctl.services.prepared import Prepared

log = logging.getLogger(__name__)
UTC = datetime.timezone.utc
OPEN = ("scheduled", "ringing")  # not yet rung to an end
TIMEZONE = domains.TIME_ZONE
MAX_PENDING = 20  # per extension
# How long after the ring time a call may take to reach the wake-up flow once answered.
ANSWER_MARGIN = datetime.timedelta(seconds=15)
# How long an answered call may talk before its claim runs out (the flow takes < 1 min).
TALK_LEASE = datetime.timedelta(minutes=5)


LIMITS = {
    "wakeup_retries": Limit(3, 0, 10, "tries after the first"),
    "wakeup_retry_minutes": Limit(5, 1, 120, "minutes"),
    "wakeup_snooze_minutes": Limit(5, 1, 60, "minutes"),
    "wakeup_missed_minutes": Limit(30, 1, 1440, "minutes"),
    "wakeup_ring_seconds": Limit(30, 10, 120, "seconds"),
}
SETTING_KEYS = (TIMEZONE, *LIMITS)


class WhenError(ValidationError):
    """A wake-up time that names no moment (the message says why)."""


def utc_now():
    """Now, naive UTC, to the second (as the table keeps times)."""
    return datetime.datetime.now(UTC).replace(tzinfo=None, microsecond=0)


# Settings (the time zone: domains.time_zone).

@dataclasses.dataclass(frozen=True)
class WakeupSettings:
    """A domain's wake-up settings, read from its ``Setting`` rows."""

    zone: datetime.tzinfo
    retries: int = LIMITS["wakeup_retries"].default
    retry: datetime.timedelta = datetime.timedelta(minutes=LIMITS["wakeup_retry_minutes"].default)
    snooze: datetime.timedelta = datetime.timedelta(
        minutes=LIMITS["wakeup_snooze_minutes"].default)
    missed_after: datetime.timedelta = datetime.timedelta(
        minutes=LIMITS["wakeup_missed_minutes"].default)
    ring_seconds: int = LIMITS["wakeup_ring_seconds"].default

    @classmethod
    def from_values(cls, values, domain_id=None):
        """From ``{key: text}``; a stored value that cannot be used counts as the default
        (and is logged)."""
        numbers = setting_limits.numbers_of(values, LIMITS, domain_id, "wake-up")
        return cls(zone=domains.zone_setting(values.get(TIMEZONE, ""), domain_id),
                   retries=numbers["wakeup_retries"],
                   retry=datetime.timedelta(minutes=numbers["wakeup_retry_minutes"]),
                   snooze=datetime.timedelta(minutes=numbers["wakeup_snooze_minutes"]),
                   missed_after=datetime.timedelta(minutes=numbers["wakeup_missed_minutes"]),
                   ring_seconds=numbers["wakeup_ring_seconds"])


def settings_of(domain_ids):
    """``{domain id: WakeupSettings}`` for each of ``domain_ids`` (one query)."""
    return setting_limits.settings_by_domain(domain_ids, SETTING_KEYS,
                                             WakeupSettings.from_values)


def settings(domain):
    """The WakeupSettings of ``domain`` (a Domain or its id)."""
    domain_id = getattr(domain, "id", domain)
    return settings_of([domain_id])[domain_id]


def setting_values(domain):
    """``[(key, value in force, what it is)]`` of every wake-up setting, for ops."""
    found = settings(domain)
    shown = {TIMEZONE: str(found.zone) if str(found.zone) != "localtime"
             else "the machine's zone", "wakeup_retries": found.retries,
             "wakeup_retry_minutes": int(found.retry.total_seconds() // 60),
             "wakeup_snooze_minutes": int(found.snooze.total_seconds() // 60),
             "wakeup_missed_minutes": int(found.missed_after.total_seconds() // 60),
             "wakeup_ring_seconds": found.ring_seconds}
    units = {TIMEZONE: "IANA name", **{key: limit.unit for key, limit in LIMITS.items()}}
    return [(key, shown[key], units[key]) for key in SETTING_KEYS]


def set_setting(domain, key, value):
    """Store one wake-up setting after checking it; "" puts the default back."""
    value = value.strip()
    if key not in SETTING_KEYS:
        raise ValidationError(f"unknown wake-up setting {key!r} (one of "
                              f"{', '.join(SETTING_KEYS)})")
    if key == TIMEZONE and value and domains.named_zone(value) is None:
        raise ValidationError(f"{value!r} is not a time zone (an IANA name such as "
                              "Europe/Paris)")
    if key in LIMITS:
        setting_limits.check_number(key, value, LIMITS[key])
    setting_limits.store(domain, key, value)


# Reading a time.

def next_time(digits, zone, now):
    """The next moment after ``now`` (naive UTC) that ``digits`` name in ``zone``, naive
    UTC: ``MMDDHHMM`` this year, or next year once passed (29 February: the one of this
    year or next, else refused); ``HHMM`` today, or tomorrow once passed. A local time the
    clock skips (spring forward) is the moment it would have been. WhenError otherwise."""
    month, day, hour, minute = when_fields(digits)
    local = now.replace(tzinfo=UTC).astimezone(zone)
    if month is None:
        dates = [local.date() + datetime.timedelta(days=n) for n in (0, 1)]
    else:
        dates = [_date(year, month, day) for year in (local.year, local.year + 1)]
    for date in filter(None, dates):
        moment = datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=zone)
        moment = moment.astimezone(UTC).replace(tzinfo=None)
        if moment > now:
            return moment
    raise WhenError(f"{digits}: 29 February does not come this year or next")


def when_fields(digits):
    """``(month, day, hour, minute)`` of MMDDHHMM (month and day None for HHMM)."""
    if not isinstance(digits, str) or not (digits.isascii() and digits.isdigit()) or \
            len(digits) not in (4, 8):
        raise WhenError(f"{digits!r} is not a time: expected MMDDHHMM or HHMM")
    hour, minute = int(digits[-4:-2]), int(digits[-2:])
    if hour > 23:
        raise WhenError(f"{digits}: there is no hour {hour} (00-23)")
    if minute > 59:
        raise WhenError(f"{digits}: there is no minute {minute} (00-59)")
    if len(digits) == 4:
        return None, None, hour, minute
    month, day = int(digits[:2]), int(digits[2:4])
    if not 1 <= month <= 12:
        raise WhenError(f"{digits}: there is no month {month} (01-12)")
    if not 1 <= day <= calendar.monthrange(2000, month)[1]:  # 2000: a leap year
        raise WhenError(f"{digits}: {calendar.month_name[month]} has no day {day}")
    return month, day, hour, minute


def _date(year, month, day):
    try:
        return datetime.date(year, month, day)
    except ValueError:  # 29 February outside a leap year
        return None


def local_time(moment, zone):
    """A stored (naive UTC) moment as the wall-clock time in ``zone``, naive."""
    return moment.replace(tzinfo=UTC).astimezone(zone).replace(tzinfo=None)


# Booking, listing, cancelling.

def schedule(extension, digits, now=None):
    """Book a wake-up call for ``extension`` at the next moment ``digits`` name (see
    next_time); the same time booked twice is one call. Returns the WakeupCall."""
    now = now or utc_now()
    at = next_time(digits, settings(extension.domain_id).zone, now)
    return book(extension, at, now)


def book(extension, at, now=None):
    """Book a wake-up call for ``extension`` at ``at`` (naive UTC, in the future)."""
    now = now or utc_now()
    if at <= now:
        raise WhenError("a wake-up call must be in the future")
    with database.atomic():
        existing = _open(extension).where(WakeupCall.at == at).first()
        if existing is not None:
            return existing
        if _open(extension).count() >= MAX_PENDING:
            raise ValidationError(f"extension {extension.number} has {MAX_PENDING} wake-up "
                                  "calls booked already")
        return WakeupCall.create(extension=extension, at=at, next_try=at, created=now)


def _open(extension):
    return WakeupCall.select().where(WakeupCall.extension == extension,
                                     WakeupCall.status.in_(OPEN))


def when(call):
    """When ``call`` rings next (rows from before schema v5 have no next_try: ``at``)."""
    return call.next_try or call.at


def pending(extension):
    """The extension's wake-up calls still to ring, soonest first."""
    return list(_open(extension).order_by(peewee.fn.COALESCE(WakeupCall.next_try, WakeupCall.at),
                                          WakeupCall.id))


def cancel(extension, call_id):
    """Cancel one of the extension's open wake-up calls; False when it has none by that id."""
    return _cancel(_open(extension).where(WakeupCall.id == call_id)) == 1


def cancel_all(extension):
    """Cancel every open wake-up call of the extension; returns how many."""
    return _cancel(_open(extension))


def _cancel(query):
    ids = [row.id for row in query]
    if not ids:
        return 0
    with database.atomic():
        (WakeupAttempt.update(result="failed", detail="cancelled while ringing")
         .where(WakeupAttempt.call.in_(ids), WakeupAttempt.result == "ringing").execute())
        return (WakeupCall.update(status="cancelled", outcome="cancelled", claimed_by="",
                                  claimed_until=None)
                .where(WakeupCall.id.in_(ids), WakeupCall.status.in_(OPEN)).execute())


@dataclasses.dataclass(frozen=True)
class Listed:
    """One wake-up call as ops and the portal see it (times local to the domain)."""

    id: int
    extension: str
    at: datetime.datetime
    next_try: datetime.datetime
    status: str
    attempts: int
    outcome: str

    def __str__(self):
        text = f"{self.id}\t{self.extension}\t{self.at:%Y-%m-%d %H:%M}\t{self.status}"
        if self.status in OPEN and self.next_try != self.at:
            text += f" (next try {self.next_try:%Y-%m-%d %H:%M})"
        if self.attempts:
            text += f"\t{self.attempts} tr{'y' if self.attempts == 1 else 'ies'}"
        return f"{text}\t{self.outcome}" if self.outcome else text


def listing(domain, everything=False, limit=500):
    """The domain's open wake-up calls (``everything``: the ended ones too), soonest first."""
    zone = settings(domain).zone
    query = (WakeupCall.select(WakeupCall, Extension.number).join(Extension)
             .where(Extension.domain == domain)
             .order_by(peewee.fn.COALESCE(WakeupCall.next_try, WakeupCall.at), WakeupCall.id)
             .limit(limit))
    if not everything:
        query = query.where(WakeupCall.status.in_(OPEN))
    return [Listed(row.id, row.extension.number, local_time(row.at, zone),
                   local_time(when(row), zone), row.status, row.attempts, row.outcome)
            for row in query]


def cancel_by_id(domain, call_id):
    """Cancel the domain's wake-up call ``call_id`` (ops); ValidationError if it is not open."""
    row = (WakeupCall.select(WakeupCall).join(Extension)
           .where(WakeupCall.id == call_id, Extension.domain == domain).first())
    if row is None:
        raise ValidationError(f"no wake-up call {call_id}")
    if row.status not in OPEN:
        raise ValidationError(f"wake-up call {call_id} is {row.status} already")
    _cancel(WakeupCall.select().where(WakeupCall.id == row.id))


def attempts_of(call_id):
    """The attempts made for one wake-up call, in order."""
    return list(WakeupAttempt.select().where(WakeupAttempt.call == call_id)
                .order_by(WakeupAttempt.started, WakeupAttempt.id))


# Ringing (the ringer's side).

@dataclasses.dataclass(frozen=True)
class Due:
    """A row ``due`` found: scheduled and due, or ringing with its claim run out."""

    id: int
    status: str
    next_try: datetime.datetime
    attempts: int
    number: str
    domain_id: int
    domain_name: str


@dataclasses.dataclass(frozen=True)
class Claimed:
    """A call this instance won and must place now (or give back with ``release``)."""

    id: int
    uuid: str  # of the attempt: the channel's origination_uuid
    number: str
    domain_name: str
    ring_seconds: int
    was_due: datetime.datetime


def adopt_old_rows():
    """Rows booked before schema v5 have no next_try: it is their ``at``. Returns how many
    were given one."""
    return (WakeupCall.update(next_try=WakeupCall.at)
            .where(WakeupCall.next_try.is_null(), WakeupCall.status.in_(OPEN)).execute())


def due(now, limit=500):
    """Rows to act on now, soonest first (one query on the (status, next_try) index)."""
    rows = (WakeupCall.select(WakeupCall.id, WakeupCall.status, WakeupCall.next_try,
                              WakeupCall.attempts, Extension.number, Extension.domain,
                              Domain.name)
            .join(Extension).join(Domain, on=(Extension.domain == Domain.id))
            .where(WakeupCall.status.in_(OPEN), WakeupCall.next_try <= now)
            .order_by(WakeupCall.next_try, WakeupCall.id).limit(limit).tuples())
    return [Due(*row) for row in rows]


def claim(rows, now, instance):
    """Act on ``rows`` (from ``due``) in one transaction: claim each due one this instance
    wins (status ringing, an attempt recorded), mark the too-late ones missed, take back
    the ringing ones whose claim ran out. Returns the Claimed calls to place."""
    found = settings_of(row.domain_id for row in rows)
    claimed = []
    with database.atomic():
        for row in rows:
            rules = found[row.domain_id]
            if row.status == "ringing":
                _take_back(row, now, rules)
            elif now - row.next_try > rules.missed_after:
                _miss(row, now, rules)
            elif _claimed(row, now, instance, rules):
                claimed.append(Claimed(row.id, str(uuid_module.uuid4()), row.number,
                                       row.domain_name, rules.ring_seconds, row.next_try))
        for call in claimed:
            _ATTEMPT.execute(call.id, now, call.uuid)
    return claimed


# Compiled once: a tick may claim thousands of rows, and building each statement in peewee
# costs ten times what the database takes to run it.
_ATTEMPT = Prepared(lambda call_id, started, uuid: WakeupAttempt.insert({
    WakeupAttempt.call: call_id, WakeupAttempt.started: started, WakeupAttempt.uuid: uuid,
    WakeupAttempt.result: "ringing", WakeupAttempt.detail: ""}), 3)
_CLAIM = Prepared(lambda instance, lease, call_id, now: (
    WakeupCall.update({WakeupCall.status: "ringing", WakeupCall.claimed_by: instance,
                       WakeupCall.claimed_until: lease, WakeupCall.next_try: lease,
                       WakeupCall.attempts: WakeupCall.attempts + 1})
    .where(WakeupCall.id == call_id, WakeupCall.status == "scheduled",
           WakeupCall.next_try <= now)), 4)


def _claimed(row, now, instance, rules):
    """Does this instance win ``row``? (Only one of several running this can.)"""
    lease = now + datetime.timedelta(seconds=rules.ring_seconds) + ANSWER_MARGIN
    return _CLAIM.execute(instance[:64], lease, row.id, now) == 1


def _miss(row, now, rules):
    late = int((now - row.next_try).total_seconds() // 60)
    due_then = local_time(row.next_try, rules.zone)
    (WakeupCall.update(status="missed", outcome=f"missed: due {due_then:%Y-%m-%d %H:%M}, "
                                                f"{late} min late when it could ring")
     .where(WakeupCall.id == row.id, WakeupCall.status == "scheduled",
            WakeupCall.next_try <= now).execute())


def _take_back(row, now, rules):
    """A ringing row whose claim ran out: nobody answered (or its instance died)."""
    changes = _after_try(row.attempts, now, rules, "not answered")
    won = (WakeupCall.update(claimed_by="", claimed_until=None, **changes)
           .where(WakeupCall.id == row.id, WakeupCall.status == "ringing",
                  WakeupCall.next_try <= now).execute())
    if won == 1:
        (WakeupAttempt.update(result="no_answer",
                              detail=f"not answered within {rules.ring_seconds} s")
         .where(WakeupAttempt.call == row.id, WakeupAttempt.result == "ringing").execute())


def _after_try(attempts, now, rules, what, last_status="failed"):
    """The row's changes after an attempt that woke nobody: tried again after the retry
    interval while tries remain, else ``last_status``."""
    if attempts <= rules.retries:
        later = now + rules.retry
        return {"status": "scheduled", "next_try": later,
                "outcome": f"{what}; try {attempts + 1} at "
                           f"{local_time(later, rules.zone):%H:%M}"}
    return {"status": last_status,
            "outcome": f"{what} after {attempts} tr{'y' if attempts == 1 else 'ies'}"}


def release(claimed):
    """Give back calls that could not be placed (the switch was away): due again as
    before, their attempt forgotten."""
    with database.atomic():
        for call in claimed:
            (WakeupCall.update(status="scheduled", claimed_by="", claimed_until=None,
                               next_try=call.was_due, attempts=WakeupCall.attempts - 1)
             .where(WakeupCall.id == call.id, WakeupCall.status == "ringing").execute())
            WakeupAttempt.delete().where(WakeupAttempt.uuid == call.uuid,
                                         WakeupAttempt.call == call.id).execute()


# What the wake-up flow reports.

def answered(call_id, uuid, now):
    """The call ``uuid`` of wake-up call ``call_id`` was answered: its claim is extended for
    the flow. The WakeupCall, or None when it is no longer ringing (cancelled)."""
    until = now + TALK_LEASE
    won = (WakeupCall.update(next_try=until, claimed_until=until)
           .where(WakeupCall.id == call_id, WakeupCall.status == "ringing").execute())
    if won != 1:
        return None
    _attempt(call_id, uuid, detail="answered")
    return WakeupCall.get_or_none(WakeupCall.id == call_id)


def acknowledge(call_id, uuid, now):
    """A key said "I am awake": the call is done."""
    return _report(call_id, uuid, "acknowledged", {"status": "done", "outcome": "acknowledged"})


def snooze(call_id, uuid, now):
    """A key said "later": rung again after the snooze time, tries counted afresh. Returns
    the new time (naive UTC), or None when the call was no longer ringing."""
    rules = _rules_of(call_id)
    later = now + rules.snooze
    done = _report(call_id, uuid, "snoozed", {
        "status": "scheduled", "next_try": later, "attempts": 0,
        "outcome": f"snoozed until {local_time(later, rules.zone):%H:%M}"})
    return later if done else None


def no_key(call_id, uuid, now):
    """Answered, but no key came: tried again like an unanswered call; after the last try
    the call is done, not acknowledged."""
    row = WakeupCall.get_or_none(WakeupCall.id == call_id)
    if row is None:
        return False
    changes = _after_try(row.attempts, now, _rules_of(call_id), "answered, no key",
                         last_status="done")
    return _report(call_id, uuid, "no_key", changes)


def _rules_of(call_id):
    domain_id = (Extension.select(Extension.domain).join(WakeupCall)
                 .where(WakeupCall.id == call_id).scalar())
    return settings(domain_id)


def _report(call_id, uuid, result, changes):
    with database.atomic():
        won = (WakeupCall.update(claimed_by="", claimed_until=None, **changes)
               .where(WakeupCall.id == call_id, WakeupCall.status == "ringing").execute())
        if won == 1:
            _attempt(call_id, uuid, result=result)
    return won == 1


def _attempt(call_id, uuid, **changes):
    (WakeupAttempt.update(**changes)
     .where(WakeupAttempt.call == call_id, WakeupAttempt.uuid == uuid).execute())
