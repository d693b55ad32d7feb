"""Wake-up calls: reading the times people give, booking and cancelling
(services.wakeup), the ringer placing the calls through a fake switch over the real
event-socket protocol (switchctl.esl.wakeup_ringer) on a clock the tests move, the
dialplan of the codes and ``switchctl wakeup``."""

import datetime
import logging
import sys
import uuid
import zoneinfo

import gevent.event
import pytest
from gevent import subprocess  # its pipes wait without holding up the fake switch
from gevent.os import tp_read

from switchctl import config as config_module
from switchctl.db import open_database
from switchctl.esl.wakeup_ringer import WakeupRinger
from switchctl.models import Extension, Setting, WakeupAttempt, WakeupCall
from switchctl.services import ValidationError, domains, wakeup
from tests.builders.database import outage
from tests.builders.dialplan import call, steps_of
from tests.builders.wakeup import Clock, Link, channel_of, inbound_switch, originates
from tests.clients.cli import free_tcp_port, start_serve
from tests.clients.cli import switchctl_here as switchctl

PARIS = zoneinfo.ZoneInfo("Europe/Paris")
T0 = datetime.datetime(2026, 1, 10, 9, 0)  # UTC: 10:00 in Paris
DT = datetime.datetime


# Reading a time.

@pytest.mark.parametrize(("digits", "now", "expected"), [
    ("03061456", T0, DT(2026, 3, 6, 13, 56)),  # Paris is UTC+1 in early March
    ("03061456", DT(2026, 3, 6, 13, 55, 59), DT(2026, 3, 6, 13, 56)),
    ("03061456", DT(2026, 3, 6, 13, 56), DT(2027, 3, 6, 13, 56)),  # that very minute: passed
    ("07011200", T0, DT(2026, 7, 1, 10, 0)),  # summer time, UTC+2
    ("01011200", T0, DT(2027, 1, 1, 11, 0)),  # passed this year
    ("1456", T0, DT(2026, 1, 10, 13, 56)),  # later today
    ("0900", T0, DT(2026, 1, 11, 8, 0)),  # passed today: tomorrow
    ("0000", DT(2026, 1, 10, 22, 59), DT(2026, 1, 10, 23, 0)),  # Paris' midnight
    ("02291200", DT(2027, 6, 1), DT(2028, 2, 29, 11, 0)),  # next year's
    ("02291200", DT(2028, 1, 1), DT(2028, 2, 29, 11, 0)),  # this year's
    ("03290230", DT(2026, 3, 1), DT(2026, 3, 29, 1, 30)),  # skipped by the clock: as 03:30
])
def test_a_time_is_the_next_such_moment_in_the_domains_zone(digits, now, expected):
    assert wakeup.next_time(digits, PARIS, now) == expected


@pytest.mark.parametrize(("digits", "reason"), [
    ("02301200", "February has no day 30"), ("04311200", "April has no day 31"),
    ("13011200", "no month 13"), ("00011200", "no month 0"),
    ("01001200", "January has no day 0"), ("03062400", "no hour 24"),
    ("03061460", "no minute 60"), ("2400", "no hour 24"), ("2360", "no minute 60"),
    ("123", "MMDDHHMM or HHMM"), ("123456", "MMDDHHMM or HHMM"),
    ("0306145", "MMDDHHMM or HHMM"), ("abcd", "MMDDHHMM or HHMM"), ("", "MMDDHHMM or HHMM"),
    ("\uff11\uff12\uff13\uff14", "MMDDHHMM or HHMM"), ("12 4", "MMDDHHMM or HHMM"),
    (None, "MMDDHHMM or HHMM"),
])
def test_every_impossible_time_is_refused_with_its_reason(digits, reason):
    with pytest.raises(wakeup.WhenError, match=reason):
        wakeup.next_time(digits, PARIS, T0)


def test_29_february_is_refused_when_no_leap_year_comes_this_year_or_next():
    with pytest.raises(wakeup.WhenError, match="29 February does not come"):
        wakeup.next_time("02291200", PARIS, DT(2028, 3, 1))


# Booking, listing, cancelling.

@pytest.fixture
def paris(office):
    wakeup.set_setting(office, "timezone", "Europe/Paris")
    return office


def ext(number):
    return Extension.get(Extension.number == number)


pytestmark = pytest.mark.both_databases


def test_booking_keeps_utc_lists_soonest_first_and_books_a_time_once(paris):
    alice = ext("101")
    later = wakeup.schedule(alice, "03061456", now=T0)
    today = wakeup.schedule(alice, "1456", now=T0)
    again = wakeup.schedule(alice, "1456", now=T0)
    assert again.id == today.id
    assert [(c.at, c.next_try, c.status) for c in wakeup.pending(alice)] == [
        (DT(2026, 1, 10, 13, 56), DT(2026, 1, 10, 13, 56), "scheduled"),
        (DT(2026, 3, 6, 13, 56), DT(2026, 3, 6, 13, 56), "scheduled")]
    assert later.created == T0
    assert wakeup.pending(ext("102")) == []


def test_an_extension_books_at_most_max_pending_calls(paris):
    alice = ext("101")
    for minute in range(wakeup.MAX_PENDING):
        wakeup.schedule(alice, f"12{minute:02d}", now=T0)
    with pytest.raises(ValidationError, match="already"):
        wakeup.schedule(alice, "1300", now=T0)
    assert len(wakeup.pending(alice)) == wakeup.MAX_PENDING


def test_cancel_one_and_cancel_all_touch_only_the_extensions_own_calls(paris):
    alice, bob = ext("101"), ext("102")
    first = wakeup.schedule(alice, "0700", now=T0)
    second = wakeup.schedule(alice, "0800", now=T0)
    bobs = wakeup.schedule(bob, "0700", now=T0)
    assert not wakeup.cancel(alice, bobs.id)
    assert wakeup.cancel(alice, first.id)
    assert not wakeup.cancel(alice, first.id)  # once
    assert [c.id for c in wakeup.pending(alice)] == [second.id]
    assert wakeup.cancel_all(alice) == 1
    assert wakeup.pending(alice) == [] and [c.id for c in wakeup.pending(bob)] == [bobs.id]
    assert WakeupCall.get_by_id(first.id).status == "cancelled"


def test_the_zone_defaults_to_the_machines_and_settings_are_checked(office, caplog):
    assert wakeup.settings(office) == wakeup.WakeupSettings(zone=domains.machine_zone())
    for key, value, message in [("timezone", "Mars/Olympus", "not a time zone"),
                                ("timezone", "../../etc/passwd", "not a time zone"),
                                ("wakeup_retries", "11", "0 to 10"),
                                ("wakeup_snooze_minutes", "five", "1 to 60"),
                                ("colour", "red", "unknown wake-up setting")]:
        with pytest.raises(ValidationError, match=message):
            wakeup.set_setting(office, key, value)
    assert not Setting.select().where(Setting.key.startswith("wakeup_")).exists()
    wakeup.set_setting(office, "wakeup_retries", "0")
    wakeup.set_setting(office, "timezone", "America/New_York")
    found = wakeup.settings(office)
    assert (found.retries, str(found.zone)) == (0, "America/New_York")
    wakeup.set_setting(office, "wakeup_retries", "")  # the default again
    assert wakeup.settings(office).retries == 3
    # A value stored by other means that cannot be used: the default, and said so (once
    # per value and process: this one is new to it).
    unusable = str(90000 + uuid.uuid4().int % 9999)
    Setting.create(domain=office, key="wakeup_ring_seconds", value=unusable)
    assert wakeup.settings(office).ring_seconds == 30
    assert f"wakeup_ring_seconds='{unusable}' cannot be used" in caplog.text


# Claiming.

def test_a_due_call_is_claimed_by_one_instance_only(paris):
    booked = wakeup.schedule(ext("101"), "1456", now=T0)
    now = booked.at
    rows = wakeup.due(now)
    assert [row.id for row in rows] == [booked.id]
    first = wakeup.claim(rows, now, "instance-a")
    second = wakeup.claim(rows, now, "instance-b")  # saw the same rows, came second
    assert [(c.id, c.number, c.domain_name, c.ring_seconds) for c in first] == [
        (booked.id, "101", "pbx.local", 30)]
    assert second == []
    row = WakeupCall.get_by_id(booked.id)
    assert (row.status, row.claimed_by, row.attempts) == ("ringing", "instance-a", 1)
    assert row.claimed_until == row.next_try == now + datetime.timedelta(seconds=45)
    assert [(a.uuid, a.result) for a in wakeup.attempts_of(booked.id)] == [
        (first[0].uuid, "ringing")]
    assert wakeup.due(now + datetime.timedelta(seconds=44)) == []


def test_a_call_that_could_not_be_placed_is_given_back_as_it_was(paris):
    booked = wakeup.schedule(ext("101"), "1456", now=T0)
    later = booked.at + datetime.timedelta(seconds=3)
    wakeup.release(wakeup.claim(wakeup.due(later), later, "a"))
    row = WakeupCall.get_by_id(booked.id)
    assert (row.status, row.next_try, row.attempts, row.claimed_by) == (
        "scheduled", booked.at, 0, "")
    assert wakeup.attempts_of(booked.id) == []


def test_rows_from_before_schema_v5_ring_at_their_time(paris):
    old = WakeupCall.create(extension=ext("101"), at=T0, next_try=None)
    assert wakeup.pending(ext("101"))[0].id == old.id and wakeup.when(old) == T0
    assert wakeup.adopt_old_rows() == 1
    assert [row.id for row in wakeup.due(T0)] == [old.id]


# The ringer, through a fake switch.

@pytest.fixture
def link(paris):
    switch = inbound_switch()
    followed = Link(switch)
    yield followed
    followed.stop()
    followed.switch.stop()


@pytest.fixture
def clock():
    return Clock(T0)


def test_the_ringer_places_a_due_call_with_the_originate_command(link, clock):
    booked = wakeup.schedule(ext("101"), "1456", now=clock())
    ringer = WakeupRinger(link.listener, clock=clock, instance="test")
    assert ringer.tick() == 0 and originates(link.switch) == []
    clock.now = booked.at
    assert ringer.tick() == 1
    (attempt,) = wakeup.attempts_of(booked.id)
    assert originates(link.switch) == [
        f"bgapi originate {{origination_uuid={attempt.uuid},switchctl_flow=wakeup_call,"
        f"switchctl_wakeup_call={booked.id},origination_caller_id_name=Wake-up,"
        "originate_timeout=30}user/101@pbx.local '&socket(${switchctl_socket} async full)'"]
    assert ringer.tick() == 0  # claimed: not placed twice


def test_an_unanswered_call_is_retried_at_the_interval_then_failed(link, clock):
    wakeup.set_setting(ext("101").domain, "wakeup_ring_seconds", "20")
    booked = wakeup.schedule(ext("101"), "1456", now=clock())
    ringer = WakeupRinger(link.listener, clock=clock)
    clock.now = booked.at
    for attempt in range(1, 5):
        assert ringer.tick() == 1, attempt
        assert len(originates(link.switch)) == attempt
        clock.advance(seconds=34)  # 20 s of ringing and 15 s for the flow to connect
        assert ringer.tick() == 0 and WakeupCall.get_by_id(booked.id).status == "ringing"
        clock.advance(seconds=1)
        assert ringer.tick() == 0  # taken back: not answered
        row = WakeupCall.get_by_id(booked.id)
        if attempt < 4:
            assert (row.status, row.next_try) == (
                "scheduled", clock() + datetime.timedelta(minutes=5))
            clock.now = row.next_try
    row = WakeupCall.get_by_id(booked.id)
    assert (row.status, row.attempts, row.outcome) == ("failed", 4, "not answered after 4 tries")
    assert [(a.result, a.detail) for a in wakeup.attempts_of(booked.id)] == [
        ("no_answer", "not answered within 20 s")] * 4
    clock.advance(hours=1)
    assert ringer.tick() == 0 and len(originates(link.switch)) == 4


def test_a_restart_loses_no_call_and_rings_none_twice(link, clock):
    alice = ext("101")
    rung = wakeup.schedule(alice, "1456", now=clock())
    later = wakeup.schedule(alice, "1500", now=clock())
    clock.now = rung.at
    assert WakeupRinger(link.listener, clock=clock, instance="before").tick() == 1
    # switchctl restarts: a new ringer over the same database, while the first call rings.
    after = WakeupRinger(link.listener, clock=clock, instance="after")
    for _ in range(4):
        clock.advance(seconds=10)
        assert after.tick() == 0
    assert len(originates(link.switch, rung.id)) == 1
    clock.now = later.at
    assert after.tick() == 1  # not lost
    assert len(originates(link.switch, later.id)) == 1
    # The first one's claim ran out unanswered: the new instance tries it again later.
    assert WakeupCall.get_by_id(rung.id).status == "scheduled"
    assert wakeup.attempts_of(rung.id)[0].result == "no_answer"


def test_a_call_missed_while_switchctl_was_down_is_marked_late_ones_ring_once(link, clock):
    alice, bob = ext("101"), ext("102")
    missed = wakeup.schedule(alice, "0700", now=DT(2026, 1, 10, 5, 0))  # 06:00 UTC
    recent = wakeup.schedule(bob, "0940", now=DT(2026, 1, 10, 5, 0))  # 08:40 UTC
    clock.now = DT(2026, 1, 10, 8, 50)  # switchctl comes back: 2 h 50 and 10 min late
    ringer = WakeupRinger(link.listener, clock=clock)
    assert ringer.tick() == 1
    assert originates(link.switch, missed.id) == []
    assert len(originates(link.switch, recent.id)) == 1
    row = WakeupCall.get_by_id(missed.id)
    assert (row.status, row.outcome) == ("missed", "missed: due 2026-01-10 07:00, 170 min "
                                                   "late when it could ring")
    clock.advance(seconds=5)
    assert ringer.tick() == 0 and len(originates(link.switch)) == 1


def test_the_switch_away_loses_nothing_and_the_call_rings_once_it_is_back(link, clock):
    booked = wakeup.schedule(ext("101"), "1456", now=clock())
    ringer = WakeupRinger(link.listener, clock=clock)
    port = link.switch.port
    link.switch.stop()
    assert link.changes.get(timeout=5) is False
    clock.now = booked.at
    assert ringer.tick() == 0
    assert WakeupCall.get_by_id(booked.id).status == "scheduled"
    link.switch = inbound_switch(port)  # the switch is back where it was
    assert link.changes.get(timeout=5) is True
    clock.advance(minutes=2)
    assert ringer.tick() == 1 and len(originates(link.switch, booked.id)) == 1


class GoneMidway:
    """A link (the Listener's online and send) that loses the switch after ``sends``."""

    def __init__(self, sends):
        self.online = gevent.event.Event()
        self.online.set()
        self.sends = sends
        self.sent = []

    def send(self, command):
        if len(self.sent) >= self.sends:
            return False
        self.sent.append(command)
        return True


def test_calls_claimed_when_the_switch_goes_away_are_given_back(paris, clock, caplog):
    alice = ext("101")
    booked = [wakeup.schedule(alice, f"14{minute}", now=clock()) for minute in (55, 56, 57)]
    clock.now = DT(2026, 1, 10, 14, 0)
    link = GoneMidway(sends=1)
    assert WakeupRinger(link, clock=clock).tick() == 1
    assert [WakeupCall.get_by_id(c.id).status for c in booked] == [
        "ringing", "scheduled", "scheduled"]
    assert [len(wakeup.attempts_of(c.id)) for c in booked] == [1, 0, 0]
    assert "the switch is away; 2 call(s) wait for it" in caplog.text
    link.sends = 3
    assert WakeupRinger(link, clock=clock).tick() == 2


def test_a_database_outage_is_survived_logged_once_and_nothing_is_lost(
        link, clock, db, caplog):
    booked = wakeup.schedule(ext("101"), "1456", now=clock())
    clock.now = booked.at
    ringer = WakeupRinger(link.listener, clock=clock)
    with outage(db):  # SQLite: gone for the block; PostgreSQL: the connection is cut
        ringer.survive(ringer.tick)
        assert originates(link.switch) == []
        ringer.survive(ringer.tick)
    for _ in range(2):
        ringer.survive(ringer.tick)
    assert len(originates(link.switch, booked.id)) == 1
    failures = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(failures) == 1 and "database error" in failures[0].getMessage()
    assert "wake-up calls: working again after database error" in caplog.text


def test_a_failure_nobody_foresaw_does_not_end_the_ringing(link, clock, caplog):
    def broken():
        raise RuntimeError("the clock broke")

    ringer = WakeupRinger(link.listener, clock=broken)
    for _ in range(2):
        ringer.survive(ringer.tick)
    (failure,) = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert failure.exc_info is not None
    booked = wakeup.schedule(ext("101"), "1456", now=clock())
    clock.now = booked.at
    ringer.clock = clock
    ringer.survive(ringer.tick)
    assert len(originates(link.switch, booked.id)) == 1
    assert "working again" in caplog.text


def test_thousands_booked_cost_one_query_per_tick(link, clock):
    from playhouse.test_utils import count_queries

    alice = ext("101")
    rows = [WakeupCall(extension=alice, at=T0 + datetime.timedelta(days=1, minutes=n),
                       next_try=T0 + datetime.timedelta(days=1, minutes=n), created=T0)
            for n in range(2000)]
    WakeupCall.bulk_create(rows, batch_size=500)
    ringer = WakeupRinger(link.listener, clock=clock)
    with count_queries() as counted:
        assert ringer.tick() == 0
    assert counted.count == 1


def test_two_instances_on_one_database_never_ring_a_call_twice(link, clock, config):
    """This process and another one (tests/servers/wakeup_instance.py), each with its
    own database connection, ring 300 due calls at once."""
    numbers = ["101", "102", "103", "105"]
    due_at = DT(2026, 1, 10, 8, 59)
    rows = [WakeupCall(extension=ext(numbers[n % 4]), at=due_at, next_try=due_at, created=T0)
            for n in range(300)]
    WakeupCall.bulk_create(rows, batch_size=100)
    link.switch.delay = 0.002  # each placing takes a little while: both are at it at once
    other = subprocess.Popen(
        [sys.executable, "-m", "tests.servers.wakeup_instance", config.database,
         str(link.switch.port), T0.isoformat()],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout.readline().strip() == "ready"
        ringer = WakeupRinger(link.listener, clock=clock, instance="here", batch=10)
        other.stdin.write("go\n")
        other.stdin.flush()
        while ringer.tick():
            pass
        placed_there = int(other.stdout.readline())
    finally:
        other.stdin.close()
        assert other.wait(timeout=30) == 0
    sent = [channel_of(c)[1]["switchctl_wakeup_call"] for c in originates(link.switch)]
    assert len(sent) == len(set(sent)) == 300
    assert ringer.placed > 0 and placed_there > 0
    assert ringer.placed + placed_there == 300
    assert WakeupAttempt.select().count() == 300
    assert not WakeupCall.select().where(WakeupCall.status == "scheduled").exists()


# The codes' dialplan and the CLI.

@pytest.mark.parametrize(("dialled", "variables"), [
    ("*55#", "switchctl_wakeup_action=menu"),
    ("*55", "switchctl_wakeup_action=menu"),
    ("*55*03061456", "switchctl_wakeup_action=schedule switchctl_wakeup_extension={id} "
                     "switchctl_wakeup_when=03061456"),
    ("*55*02301200#", "switchctl_wakeup_action=schedule switchctl_wakeup_extension={id} "
                      "switchctl_wakeup_when=02301200"),
    ("*055#", "switchctl_wakeup_action=cancel_all"),
])
def test_the_codes_hand_the_call_to_the_wakeup_flow(client, office, dialled, variables):
    alice = ext("101")
    if "extension" not in variables:
        variables += " switchctl_wakeup_extension={id}"
    assert steps_of(client, call("101", dialled)) == [
        ("multiset", "switchctl_flow=wakeup_menu " + variables.format(id=alice.id)),
        ("socket", "${switchctl_socket} async full")]


@pytest.mark.parametrize("dialled", ["*55*0306145", "*55*030614561", "*55*abcdefgh"])
def test_a_direct_code_without_eight_digits_is_not_a_wakeup_call(client, office, dialled):
    steps = steps_of(client, call("101", dialled))
    assert "socket" not in [app for app, _ in steps]


def cli_ok(result):
    assert result.returncode == 0, result.stderr
    return result.stdout


def cli_refused(result, code):
    assert result.returncode == code, (result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("switchctl: error: ")
    return lines[0]


def test_switchctl_wakeup_list_add_cancel_and_settings(tmp_path):
    cli_ok(switchctl(tmp_path, "init"))
    cli_ok(switchctl(tmp_path, "extension", "add", "201", "--name", "Ann"))
    assert "timezone = Europe/Paris" in cli_ok(
        switchctl(tmp_path, "wakeup", "set", "timezone", "Europe/Paris"))
    added = cli_ok(switchctl(tmp_path, "wakeup", "add", "201", "03061456"))
    assert added.startswith("wake-up call 1 for 201 at ") and added.rstrip().endswith(
        "-03-06 14:56 (Europe/Paris)")
    listing = cli_ok(switchctl(tmp_path, "wakeup", "list"))
    assert listing.startswith("1\t201\t") and "14:56\tscheduled" in listing
    assert "February has no day 30" in cli_refused(
        switchctl(tmp_path, "wakeup", "add", "201", "02301200"), 2)
    assert "no hour 24" in cli_refused(switchctl(tmp_path, "wakeup", "add", "201", "2400"), 2)
    assert "extension 999 does not exist" in cli_refused(
        switchctl(tmp_path, "wakeup", "add", "999", "1456"), 1)
    assert "not a wake-up call id" in cli_refused(
        switchctl(tmp_path, "wakeup", "cancel", "one"), 2)
    assert "no wake-up call 7" in cli_refused(switchctl(tmp_path, "wakeup", "cancel", "7"), 1)
    assert cli_ok(switchctl(tmp_path, "wakeup", "cancel", "1")) == "wake-up call 1 cancelled\n"
    assert "is cancelled already" in cli_refused(
        switchctl(tmp_path, "wakeup", "cancel", "1"), 1)
    assert cli_ok(switchctl(tmp_path, "wakeup", "list")) == "no wake-up calls to ring\n"
    assert "\tcancelled" in cli_ok(switchctl(tmp_path, "wakeup", "list", "--all"))
    assert "not a time zone" in cli_refused(
        switchctl(tmp_path, "wakeup", "set", "timezone", "Mars/Olympus"), 1)
    shown = cli_ok(switchctl(tmp_path, "wakeup", "settings"))
    assert "timezone\tEurope/Paris\t" in shown and "wakeup_retries\t3\t" in shown


def test_unusable_stored_settings_are_logged_once(office, caplog):
    caplog.set_level(logging.WARNING, logger="switchctl.services.domains")
    unusable = f"Nowhere/{uuid.uuid4().hex}"  # new to this process
    Setting.create(domain=office, key="timezone", value=unusable)
    for _ in range(3):
        assert wakeup.settings(office).zone == domains.machine_zone()
    assert caplog.text.count(f"timezone='{unusable}'") == 1


def drain(stream):
    """Read a server's log to its end (a full pipe would stall the server)."""
    while tp_read(stream.fileno(), 65536):
        pass


def test_switchctl_serve_runs_the_ringer(tmp_path):
    """The ringer is part of ``switchctl serve``: a call booked by another process rings."""
    cli_ok(switchctl(tmp_path, "init"))
    cli_ok(switchctl(tmp_path, "extension", "add", "201", "--name", "Ann"))
    switch = inbound_switch()
    # start_serve reads the server's log until it listens: in a thread, so that this
    # process' hub keeps answering the server's event socket meanwhile.
    served = gevent.get_hub().threadpool.apply(start_serve, (tmp_path, f"127.0.0.1:"
                                                             f"{free_tcp_port()}"),
                                               {"SWITCHCTL_ESL": f"127.0.0.1:{switch.port}"})
    gevent.spawn(drain, served.stderr)
    try:
        assert switch.subscribed.wait(timeout=10)
        db = open_database(config_module.load({"SWITCHCTL_DATA": str(tmp_path)}).database)
        with db.connection_context():
            at = wakeup.utc_now() + datetime.timedelta(seconds=2)
            booked = wakeup.book(Extension.get(Extension.number == "201"), at)
        user, variables = channel_of(switch.wait_for_command("bgapi originate", timeout=10))
        assert (user, variables["switchctl_wakeup_call"]) == ("201@pbx.local", str(booked.id))
    finally:
        served.terminate()
        served.wait(timeout=10)
        switch.stop()
