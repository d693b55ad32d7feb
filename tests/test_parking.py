"""Parking (manual §2.3): ``*4#`` in a call (the real switch's in-call requests), ``<slot>#``
dialled, the orbit context ringing the parker, the lot's settings, and the parked calls
followed from valet_parking::info events and valet_info."""

import datetime

import pytest

from switchctl.esl.parking import ParkedCalls, parse_valet_info
from switchctl.freeswitch import prompts
from switchctl.services import ValidationError, conferences, parking
from switchctl.services.extensions import add_extension
from tests.builders.dialplan import actions, bound, call, steps_of
from tests.builders.in_call import PEER_ATTENDED, SELF_RECORD, in_call_body, pressed
from tests.clients.xml_curl import parsed, post


def park(client, presser=SELF_RECORD, **variables):
    return actions(parsed(post(client, pressed(presser, digits="*4#", key="park",
                                               **variables))))


def test_star_4_parks_the_other_party_in_the_first_free_slot(client, office):
    assert park(client, PEER_ATTENDED) == [  # 102 (the leg rung) parks 101
        ("multiset", "valet_parking_timeout=45 valet_parking_orbit_exten=102 "
                     "valet_parking_orbit_dialplan=XML valet_parking_orbit_context=orbit"),
        ("valet_park", "switchctl@pbx.local auto in 41 49"),
    ]


def test_the_lots_settings_apply_to_the_next_park(client, office):
    parking.set_lot(office, slots="700-703", seconds="20")
    steps = park(client)
    assert steps[0][1].startswith("valet_parking_timeout=20 valet_parking_orbit_exten=101 ")
    assert steps[1] == ("valet_park", "switchctl@pbx.local auto in 700 703")


def test_star_4_without_another_party_changes_nothing(client, office):
    body = in_call_body(SELF_RECORD, **{"variable_bridge_uuid": None,
                                        "variable_signal_bond": None,
                                        "Other-Leg-Unique-ID": None,
                                        "variable_last_matching_digits": "*4#",
                                        "Hunt-Destination-Number": "park"})
    assert actions(parsed(post(client, body))) == [("playback", prompts.CANNOT_COMPLETE)]


@pytest.mark.parametrize("dialled", ["41", "41#", "49#"])
def test_a_slot_dialled_retrieves_its_call(client, office, dialled):
    slot = dialled.rstrip("#")
    assert steps_of(client, call("103", dialled)) == [
        ("answer", ""), ("valet_park", f"switchctl@pbx.local auto out {slot} {slot}"),
        ("hangup", "NORMAL_CLEARING")]


@pytest.mark.parametrize("dialled", ["40#", "50", "4#", "41##", "041"])
def test_a_number_outside_the_lot_is_no_slot(client, office, dialled):
    assert not any(app == "valet_park" for app, _ in steps_of(client, call("103", dialled)))


def test_the_orbit_context_rings_the_parker_then_its_no_answer_handling(client, office):
    steps = steps_of(client, call("101", "102", context="orbit"))
    assert ("bridge", "user/102@pbx.local") in steps
    assert steps[-1] == ("transfer", "102 XML outcome")
    assert [step for step in steps if step[0] == "bind_digit_action"] == \
        [step for step in bound("peer") if step[0] == "bind_digit_action"]  # 102's codes


@pytest.mark.parametrize("destination", ["109", "1${x}", "park"])
def test_the_orbit_context_refuses_anything_but_an_extension(client, office, destination):
    steps = steps_of(client, call("101", destination, context="orbit"))
    assert ("playback", prompts.CANNOT_COMPLETE) in steps
    assert not any(app == "bridge" for app, _ in steps)


@pytest.mark.parametrize("slots", ["41", "49-41", "041-049", "4-49", "41-4999", "100-300",
                                   "a-b", "${x}"])
def test_a_lot_that_is_no_range_is_refused(office, slots):
    with pytest.raises(ValidationError):
        parking.set_lot(office, slots=slots)
    assert parking.lot(office).shown == "41-49"


@pytest.mark.parametrize("seconds", ["4", "3601", "x", "", "-5", "²"])
def test_a_wait_out_of_bounds_is_refused(office, seconds):
    with pytest.raises(ValidationError):
        parking.set_lot(office, seconds=seconds)
    assert parking.lot(office).seconds == 45


@pytest.mark.both_databases  # the rows on PostgreSQL too
def test_a_lot_over_a_used_number_is_refused_and_nothing_changes(office):
    conferences.add_room(office, "3001", "1234")
    with pytest.raises(ValidationError, match="3001"):
        parking.set_lot(office, slots="3000-3009", seconds="30")
    assert (parking.lot(office).shown, parking.lot(office).seconds) == ("41-49", 45)
    with pytest.raises(ValidationError, match="101"):
        parking.set_lot(office, slots="100-109")


@pytest.mark.both_databases  # the rows on PostgreSQL too
def test_the_slots_are_numbers_nothing_else_may_take(office):
    parking.set_lot(office, slots="60-62")
    with pytest.raises(ValidationError, match="parking slot"):
        add_extension(office, "61", "Nobody", "Passw0rd061")
    add_extension(office, "45", "Was a slot", "Passw0rd045")  # 41-49 no longer are


class FakeListener:
    def __init__(self, answers=None):
        self.header_observers, self.connect_hooks = [], []
        self.answers = answers or {}

    def api(self, command):
        return self.answers.get(command, "")


def hold(slot="41", uuid="u-101", lot="switchctl@pbx.local", action="hold", **extra):
    return {"Event-Name": "CUSTOM", "Event-Subclass": "valet_parking::info", "Action": action,
            "Valet-Lot-Name": lot, "Valet-Extension": slot, "Unique-ID": uuid,
            "Caller-Caller-ID-Number": "101", "Caller-Caller-ID-Name": "Reception",
            "variable_valet_parking_orbit_exten": "102", **extra}


def test_parked_calls_follow_the_valet_events():
    listener = FakeListener()
    parked = ParkedCalls(listener, clock=lambda: datetime.datetime(2026, 12, 2))
    (observe,) = listener.header_observers
    observe(hold("42", "u-2"))
    observe(hold("41"))
    observe(hold("43", lot="someone_else@pbx.local"))
    observe(hold("${x}"))
    observe({"Event-Name": "CHANNEL_ANSWER"})
    assert [(c["slot"], c["caller_number"], c["parked_by"]) for c in
            parked.snapshot("pbx.local")] == [("41", "101", "102"), ("42", "101", "102")]
    observe(hold("42", "u-2", action="bridge"))
    observe(hold("41", action="exit"))
    assert parked.snapshot("pbx.local") == []


VALET_INFO = ('<lots>\n  <lot name="switchctl@pbx.local">\n'
              '    <extension uuid="u-101">41</extension>\n  </lot>\n'
              '  <lot name="other">\n    <extension uuid="x">1</extension>\n  </lot>\n</lots>\n')
CHANNELS = '{"row_count":1,"rows":[{"uuid":"u-101","cid_num":"101","cid_name":"Reception"}]}'


def test_a_reconnect_reads_the_lots_again():
    listener = FakeListener({"valet_info": VALET_INFO, "show channels as json": CHANNELS,
                             "uuid_getvar u-101 valet_parking_orbit_exten": "102"})
    parked = ParkedCalls(listener)
    listener.header_observers[0](hold("45", "gone"))
    (resync,) = listener.connect_hooks
    resync(listener)
    assert parked.snapshot("pbx.local") == [
        {"slot": "41", "uuid": "u-101", "caller_number": "101", "caller_name": "Reception",
         "parked_by": "102", "since": None}]


@pytest.mark.parametrize("text", ["", "-ERR no", "<lots><lot", "<!DOCTYPE x [<!ENTITY e "
                                  "SYSTEM 'file:///etc/passwd'>]><lots>&e;</lots>"])
def test_valet_info_that_is_not_its_xml_gives_nothing(text):
    assert parse_valet_info(text) == []


def test_status_shows_the_parked_calls(live_view, db):
    view, _ = live_view
    view.parked_calls.on_event(hold("41"))
    status = view.status("pbx.local")
    assert [(c["slot"], c["caller_number"]) for c in status["parked"]] == [("41", "101")]


def test_the_extension_list_shows_the_parked_calls(config, office, live_view):
    from switchctl import portal
    from tests.clients.portal import EXTENSION, open_portal, signed_in

    view, _ = live_view
    open_portal(office)
    browser = signed_in(portal.create_app(config, view), *EXTENSION)
    page = browser.get("/extensions").get_data(as_text=True)
    assert "No call is parked." in page.split('id="parked"', 1)[1]
    outside = {"Caller-Caller-ID-Number": "985337106", "Caller-Caller-ID-Name": "985337106"}
    view.parked_calls.on_event(hold("42", "u-2", **outside))
    view.parked_calls.on_event(hold("41"))
    table = browser.get("/extensions").get_data(as_text=True).split('id="parked"', 1)[1]
    table = table.split("</table>", 1)[0]
    assert '<tr data-slot="41"><td>41</td>' in table and '<tr data-slot="42">' in table
    assert table.index('data-slot="41"') < table.index('data-slot="42"')
    assert "101 (Reception)" in table and "985337106 (" not in table


def test_the_lot_from_the_command_line(run):
    assert run("parking", "show") == "slots 41-49\nwait 45 s\n"
    assert run("parking", "set", "--slots", "800-819", "--seconds", "30") == \
        "slots 800-819\nwait 30 s\n"
    assert run("parking", "set", "--slots", "100-109", code=1) == \
        "number 101 is already in use: it cannot be a parking slot"
    assert run("parking", "set", "--seconds", "2", code=1) == \
        "a parked call waits 5 to 3600 seconds"
    assert run("parking", "show") == "slots 800-819\nwait 30 s\n"
