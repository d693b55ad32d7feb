"""The wake-up call flows on the fake switch: the codes' menus driven by the caller's keys
(the dialplan's own channel variables handed to the outbound socket, as FreeSWITCH
would), and the wake-up call itself, placed by the ringer through the inbound socket and
answered on the outbound one; the command stream and the database asserted."""

import datetime

import gevent
import pytest

from switchctl.esl.wakeup_ringer import WakeupRinger
from switchctl.freeswitch import prompts
from switchctl.ivr import FlowContext
from switchctl.ivr.wakeup_call import MESSAGE
from switchctl.ivr.wakeup_menu import CANCEL_IT, ENTER_TIME, MAIN_MENU
from switchctl.models import Extension, WakeupCall
from switchctl.services import wakeup
from tests.builders.dialplan import call as dialplan_call
from tests.builders.dialplan import steps_of
from tests.builders.wakeup import Clock, Link, channel_of, inbound_switch, originates
from tests.fakes.fake_switch import FakeCall
from tests.servers.flows import flow_server

pytestmark = pytest.mark.both_databases
DT = datetime.datetime
T0 = DT(2026, 1, 10, 9, 0)  # UTC: 10:00 in Paris
ANSWER, HANGUP = ("answer", ""), ("hangup", "NORMAL_CLEARING")
GOODBYE = ("playback", prompts.GOODBYE)
INVALID = ("playback", prompts.INVALID_ENTRY)
REQUESTED = ("playback", prompts.WAKEUP_REQUESTED_FOR)


def asked(prompt, invalid=prompts.INVALID_ENTRY, tries=2, regex="^[12]$", minimum=1,
          maximum=1, timeout=5000):
    return ("play_and_get_digits", f"{minimum} {maximum} {tries} {timeout} # {prompt} "
                                   f"{invalid} switchctl_collected {regex} 3000")


MENU = asked(MAIN_MENU)
TIME = asked(ENTER_TIME, tries=1, regex=r"^(\d{4}|\d{8})$", minimum=4, maximum=8,
             timeout=8000)
CANCEL_ONE = asked(CANCEL_IT, prompts.NO_PROMPT, tries=1, regex="^1$", timeout=4000)
CONFIRM_ALL = asked(CANCEL_IT, regex="^1$")
# "This is your wakeup call" and the choices, one prompt: a key during any of it counts.
WAKE_UP = asked(MESSAGE, prompts.NO_PROMPT, tries=1)


def said(local):
    """mod_say's command for a local (Paris) wall-clock time."""
    return ("say", f"en current_date_time pronounced '{local:%Y-%m-%d %H:%M:%S}'")


@pytest.fixture
def paris(office):
    wakeup.set_setting(office, "timezone", "Europe/Paris")
    return office


@pytest.fixture
def clock():
    return Clock(T0)


@pytest.fixture
def server(config, paris, clock):
    running = flow_server(FlowContext(config, None, clock))
    yield running
    running.stop()


def ext(number):
    return Extension.get(Extension.number == number)


def channel_for(client, dialled, caller="101"):
    """The channel variables the dialplan's answer sets before handing the call over."""
    steps = steps_of(client, dialplan_call(caller, dialled))
    assert steps[-1] == ("socket", "${switchctl_socket} async full"), steps
    (data,) = [data for app, data in steps if app == "multiset"]
    return dict(pair.split("=", 1) for pair in data.split(" "))


def place(server, variables, digits=(), **options):
    """The call, once both its sides are done."""
    answered = FakeCall(server.port, variables, digits=digits, **options)
    worker = gevent.spawn(answered.run)
    assert answered.done.wait(timeout=10)
    worker.join(timeout=5)
    server.ended.get(timeout=10)
    return answered


def booked(number="101"):
    return [(c.at, c.status) for c in WakeupCall.select().join(Extension)
            .where(Extension.number == number).order_by(WakeupCall.at)]


# *55*MMDDHHMM

def test_the_direct_code_books_and_says_the_time_back(client, server):
    flow = place(server, channel_for(client, "*55*03061456"))
    assert flow.executed == [ANSWER, REQUESTED, said(DT(2026, 3, 6, 14, 56)), HANGUP]
    assert booked() == [(DT(2026, 3, 6, 13, 56), "scheduled")]


@pytest.mark.parametrize("dialled", ["*55*02301200", "*55*13011200", "*55*03062400",
                                     "*55*03061460", "*55*00001200", "*55*04311200#"])
def test_the_direct_code_refuses_an_impossible_date_with_a_prompt(client, server, dialled):
    flow = place(server, channel_for(client, dialled))
    assert flow.executed == [ANSWER, INVALID, HANGUP]
    assert booked() == []


# *55# the menu

def test_the_menu_books_a_date_entered_as_mmddhhmm(client, server):
    flow = place(server, channel_for(client, "*55#"), digits=["1", "03061456", ""])
    assert flow.executed == [ANSWER, MENU, TIME, REQUESTED, said(DT(2026, 3, 6, 14, 56)), MENU,
                             GOODBYE, HANGUP]
    assert booked() == [(DT(2026, 3, 6, 13, 56), "scheduled")]


def test_the_menu_books_hhmm_as_the_next_such_time_after_a_refused_one(client, server):
    flow = place(server, channel_for(client, "*55#"), digits=["1", "13011200", "0730", ""])
    assert flow.executed == [ANSWER, MENU, TIME, INVALID, TIME, REQUESTED,
                             said(DT(2026, 1, 11, 7, 30)), MENU, GOODBYE, HANGUP]
    assert booked() == [(DT(2026, 1, 11, 6, 30), "scheduled")]  # 10:00 now: tomorrow


def test_the_menu_says_each_call_booked_and_cancels_the_one_chosen(client, server, clock):
    seven = wakeup.schedule(ext("101"), "0700", now=clock())
    eight = wakeup.schedule(ext("101"), "0800", now=clock())
    wakeup.schedule(ext("102"), "0600", now=clock())  # someone else's: never said
    flow = place(server, channel_for(client, "*55#"), digits=["2", "", "1", ""])
    assert flow.executed == [
        ANSWER, MENU,
        REQUESTED, said(DT(2026, 1, 11, 7, 0)), CANCEL_ONE,
        REQUESTED, said(DT(2026, 1, 11, 8, 0)), CANCEL_ONE,
        ("playback", prompts.WAKEUP_CANCELLED), MENU, GOODBYE, HANGUP]
    assert [c.id for c in wakeup.pending(ext("101"))] == [seven.id]
    assert WakeupCall.get_by_id(eight.id).status == "cancelled"
    assert len(wakeup.pending(ext("102"))) == 1


def test_the_menu_says_when_nothing_is_booked(client, server):
    flow = place(server, channel_for(client, "*55#"), digits=["2", ""])
    assert flow.executed == [ANSWER, MENU, ("playback", prompts.WAKEUP_NONE), MENU, GOODBYE,
                             HANGUP]


def test_hanging_up_while_entering_the_time_books_nothing(client, server):
    flow = place(server, channel_for(client, "*55#"), digits=["1"], hang_up_at=2)
    assert flow.executed == [ANSWER, MENU, TIME]
    assert booked() == []


# *055#

def test_cancel_all_asks_first_then_cancels_every_call(client, server, clock):
    for time in ("0700", "0800"):
        wakeup.schedule(ext("101"), time, now=clock())
    kept = place(server, channel_for(client, "*055#"), digits=[""])
    assert kept.executed == [ANSWER, CONFIRM_ALL, GOODBYE, HANGUP]
    assert len(wakeup.pending(ext("101"))) == 2
    gone = place(server, channel_for(client, "*055#"), digits=["1"])
    assert gone.executed == [ANSWER, CONFIRM_ALL, ("playback", prompts.WAKEUP_CANCELLED),
                             HANGUP]
    assert [status for _, status in booked()] == ["cancelled", "cancelled"]


def test_cancel_all_with_nothing_booked_says_so(client, server):
    flow = place(server, channel_for(client, "*055#"))
    assert flow.executed == [ANSWER, ("playback", prompts.WAKEUP_NONE), HANGUP]


# The wake-up call: placed by the ringer, answered on the outbound socket.

@pytest.fixture
def link(paris):
    followed = Link(inbound_switch())
    yield followed
    followed.stop()
    followed.switch.stop()


@pytest.fixture
def ring(link, clock, server):
    """Ring the call due now; answer it with ``digits`` (or hang up at an application):
    returns the call as the switch saw it, its wake-up call's id and its uuid."""
    ringer = WakeupRinger(link.listener, clock=clock)

    def answer(digits=(), **options):
        assert ringer.tick() == 1
        user, variables = channel_of(originates(link.switch)[-1])
        assert user == "101@pbx.local"
        flow = place(server, variables, digits=digits, **options)
        return flow, int(variables["switchctl_wakeup_call"]), variables["uuid"]

    answer.ringer = ringer
    return answer


def results(call_id):
    return [attempt.result for attempt in wakeup.attempts_of(call_id)]


def test_a_key_acknowledges_the_wakeup_call(ring, clock):
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at
    flow, call_id, _ = ring(digits=["1"])
    assert flow.executed == [WAKE_UP, ("playback", prompts.THANK_YOU), HANGUP]
    row = WakeupCall.get_by_id(call_id)
    assert (row.status, row.outcome, row.attempts) == ("done", "acknowledged", 1)
    assert results(call_id) == ["acknowledged"]
    clock.advance(hours=1)
    assert ring.ringer.tick() == 0


def test_a_key_pressed_as_the_message_begins_counts(ring, clock):
    """A phone answering with a key at once (0.1 s on the real switch): the key comes
    while "this is your wakeup call" plays, and is not lost."""
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at
    flow, call_id, _ = ring(keys={0: "1"})
    assert flow.executed == [WAKE_UP, ("playback", prompts.THANK_YOU), HANGUP]
    assert results(call_id) == ["acknowledged"]


def test_another_key_snoozes_and_the_call_rings_again_after_the_snooze(ring, clock):
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at  # 13:56 UTC
    clock.advance(seconds=20)
    flow, call_id, _ = ring(digits=["2"])
    assert flow.executed == [WAKE_UP, REQUESTED, said(DT(2026, 1, 10, 15, 1, 20)), HANGUP]
    row = WakeupCall.get_by_id(call_id)
    assert (row.status, row.next_try, row.attempts) == (
        "scheduled", DT(2026, 1, 10, 14, 1, 20), 0)
    clock.now = row.next_try
    flow, again, _ = ring(digits=["1"])
    assert again == call_id and WakeupCall.get_by_id(call_id).status == "done"
    assert results(call_id) == ["snoozed", "acknowledged"]


def test_no_key_repeats_the_message_once_then_is_tried_again(ring, clock):
    wakeup.set_setting(ext("101").domain, "wakeup_retries", "1")
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at
    flow, call_id, _ = ring(digits=["", ""])
    assert flow.executed == [WAKE_UP, WAKE_UP, GOODBYE, HANGUP]
    row = WakeupCall.get_by_id(call_id)
    assert (row.status, row.next_try) == ("scheduled", clock() + datetime.timedelta(minutes=5))
    clock.now = row.next_try
    ring(digits=["", ""])  # the last try: answered, never acknowledged
    row = WakeupCall.get_by_id(call_id)
    assert (row.status, row.outcome) == ("done", "answered, no key after 2 tries")
    assert results(call_id) == ["no_key", "no_key"]


def test_hanging_up_during_the_message_counts_as_answered_without_a_key(ring, clock):
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at
    flow, call_id, _ = ring(hang_up_at=0)
    assert flow.executed == [WAKE_UP]
    assert results(call_id) == ["no_key"]
    assert WakeupCall.get_by_id(call_id).status == "scheduled"


def test_a_call_cancelled_while_it_rang_is_hung_up_without_a_word(link, server, clock):
    clock.now = wakeup.schedule(ext("101"), "1456", now=clock()).at
    assert WakeupRinger(link.listener, clock=clock).tick() == 1
    assert wakeup.cancel_all(ext("101")) == 1
    _, variables = channel_of(originates(link.switch)[-1])
    flow = place(server, variables)  # answered now
    assert flow.executed == [HANGUP]
    call_id = int(variables["switchctl_wakeup_call"])
    assert [(a.result, a.detail) for a in wakeup.attempts_of(call_id)] == [
        ("failed", "cancelled while ringing")]
