"""A call to a fax number is answered by the switch's fax receiver (xml_curl/fax.py), from
the trunk (context public) or from one of our users; fax numbers are set per extension."""

from pathlib import Path

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import Extension
from switchctl.services import ValidationError, fax_numbers
from switchctl.services.conferences import add_room
from switchctl.services.extensions import add_extension
from switchctl.services.parking import set_lot
from switchctl.services.queues import add_queue
from tests.builders.dialplan import actions, call
from tests.clients.xml_curl import parsed, post

pytestmark = pytest.mark.both_databases
EXTENSION_QUERIES = 4  # the extension, its in-call codes, its blacklist and contact names


@pytest.fixture
def fax_number(office, db):
    with db.connection_context():
        return fax_numbers.assign(Extension.get(Extension.number == "102"), "5550100").number


def receiver(config):
    return [
        ("set", "absolute_codec_string=PCMU,PCMA"),
        ("set", "switchctl_fax_number=5550100"),
        ("set", "domain_name=pbx.local"),
        ("set", "fax_enable_t38=false"),
        ("set", "fax_enable_t38_request=false"),
        ("answer", ""),
        ("playback", "silence_stream://2000"),
        ("rxfax", f"{config.switch_media_folder}/fax/received/${{uuid}}.tif"),
        ("hangup", ""),
    ]


def test_a_fax_number_called_from_the_trunk_is_answered_by_the_fax_receiver(
        client, config, fax_number):
    steps = actions(parsed(post(client, call("", fax_number, context="public"))))
    assert steps == receiver(config)
    received = Path(config.media_folder) / "fax" / "received"
    assert received.is_dir() and received.stat().st_mode & 0o2770 == 0o2770


def test_one_of_our_users_may_dial_a_fax_number_too(client, config, fax_number):
    assert actions(parsed(post(client, call("101", fax_number)))) == receiver(config)


def test_a_fax_number_of_a_disabled_extension_is_not_answered(client, db, fax_number):
    with db.connection_context():
        Extension.update(enabled=False).where(Extension.number == "102").execute()
    steps = actions(parsed(post(client, call("", fax_number, context="public"))))
    assert ("rxfax" not in [app for app, _ in steps]) and steps[-1] == (
        "hangup", "UNALLOCATED_NUMBER")


def test_numbers_that_are_not_fax_numbers_route_as_before(client, fax_number):
    steps = actions(parsed(post(client, call("", "102", context="public"))))
    assert ("bridge", "user/102@pbx.local") in steps and "rxfax" not in [a for a, _ in steps]


@pytest.mark.parametrize("number, message", [
    ("1", "is not a fax number"), ("12a4", "is not a fax number"),
    ("101", "number 101 is an extension"), ("5550100", "is already a fax number")])
def test_a_fax_number_must_be_digits_not_an_extension_and_not_taken(db, fax_number, number,
                                                                    message):
    with db.connection_context():
        with pytest.raises(ValidationError, match=message):
            fax_numbers.assign(Extension.get(Extension.number == "103"), number)


@pytest.mark.parametrize("make, message", [
    (lambda domain: add_room(domain, "800", "1234"), "number 800 is a conference room"),
    (lambda domain: add_queue(domain, "600", "Sales"), "number 600 is a queue"),
    (lambda domain: None, "number 41 is a parking slot"),
])
def test_a_fax_number_is_no_room_queue_or_parking_slot(db, office, make, message):
    """Each of them answers the number from inside before the fax receiver would."""
    with db.connection_context():
        make(office)
        number = message.split()[1]
        with pytest.raises(ValidationError, match=message):
            fax_numbers.assign(Extension.get(Extension.number == "103"), number)


def test_nothing_else_takes_a_fax_numbers_number_afterwards(db, office, fax_number):
    """An extension, a room, a queue or a parking slot made later would answer it first."""
    with db.connection_context():
        fax_numbers.assign(Extension.get(Extension.number == "103"), "700")
        for make, message in (
                (lambda: add_extension(office, "700", "Late"),
                 "number 700 is taken by a conference room, a queue or a fax number"),
                (lambda: add_room(office, "700", "1234"), "number 700 is a fax number"),
                (lambda: add_queue(office, "700", "Late"), "number 700 is a fax number"),
                (lambda: set_lot(office, slots="700-709"),
                 "number 700 is already in use: it cannot be a parking slot")):
            with pytest.raises(ValidationError, match=message):
                make()
        assert Extension.select().where(Extension.number == "700").count() == 0


def test_a_call_from_the_trunk_to_an_extension_does_not_look_for_fax_numbers(
        client, db, fax_number):
    """The extension is found first (a fax number is never an extension's): a call to it
    costs what it did before fax numbers; one to a fax number, the extension lookup that
    missed and the fax number's."""
    with count_queries() as counter:
        steps = actions(parsed(post(client, call("", "102", context="public"))))
    assert ("bridge", "user/102@pbx.local") in steps and counter.count == EXTENSION_QUERIES
    with count_queries() as counter:
        steps = actions(parsed(post(client, call("", fax_number, context="public"))))
    assert "rxfax" in [app for app, _ in steps] and counter.count == 2
