"""The extension list is read and encoded once per change, whatever the number of pages and
streams showing it (with 10,000 extensions, each stream doing it alone starved the switch)."""

import pytest
from playhouse.test_utils import count_queries

from switchctl.esl.extension_state import UNKNOWN
from switchctl.portal.extensions.snapshots import Snapshots
from switchctl.services.extensions import add_extension, roster
from tests.builders.esl import registered

pytestmark = pytest.mark.both_databases


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


@pytest.fixture
def shared(office, live_view):
    view, switch = live_view
    clock = Clock()
    return Snapshots(view, roster_seconds=15, clock=clock), view, switch, clock


def test_many_readers_cost_one_query_and_one_encoding(shared, office, db):
    snapshots, *_ = shared
    with count_queries() as counted:
        texts = [snapshots.event(office.name)[0] for _ in range(200)]
    assert counted.count == 1
    assert all(text is texts[0] for text in texts)
    assert b'"number":"101","name":"Alice","state":"unavailable"' in texts[0]


def test_a_state_change_is_encoded_anew_without_asking_the_database(shared, office, db):
    snapshots, view, switch, _ = shared
    before, shown = snapshots.event(office.name)
    changes = view.hub.subscribe("@pbx.local")
    switch.emit(registered("101", "sip:101@10.0.0.5:5060"))
    changes.get(timeout=5)  # the change has been applied
    with count_queries() as counted:
        after, still = snapshots.event(office.name)
    assert counted.count == 0 and still is shown
    assert b'"number":"101","name":"Alice","state":"idle"' in after and after is not before


def test_the_roster_is_read_again_after_its_time_and_kept_when_unchanged(shared, office, db):
    snapshots, _, _, clock = shared
    first = snapshots.roster(office.name)
    clock.now += 14
    assert snapshots.roster(office.name) is first  # not read again yet
    clock.now += 1
    with count_queries() as counted:
        assert snapshots.roster(office.name) is first  # read, equal: the same list
    assert counted.count == 1
    add_extension(office, "106", "Frank", "Passw0rd106")
    clock.now += 15
    changed = snapshots.roster(office.name)
    assert changed is not first and ("106", "Frank") in changed
    assert changed == roster(office.name)


def test_every_state_is_unknown_while_the_switch_is_away(shared, office, db):
    snapshots, view, _, _ = shared
    view.listener.online.clear()
    assert {row["state"] for row in snapshots.rows(office.name)} == {UNKNOWN}
    assert not snapshots.online()
    view.listener.online.set()
    assert UNKNOWN not in {row["state"] for row in snapshots.rows(office.name)}


def test_a_large_snapshot_goes_out_in_slices_with_the_head_first():
    from switchctl.portal.extensions.stream import SLICE, pieces

    snapshot = b"x" * (SLICE * 2 + 10)
    sent = list(pieces("retry: 3000\n", snapshot))
    assert sent[0].startswith(b"retry: 3000\nxxx") and len(sent[0]) == SLICE + 12
    assert [len(piece) for piece in sent[1:]] == [SLICE, 10]
    assert b"".join(sent) == b"retry: 3000\n" + snapshot
    assert list(pieces(": keep-alive\n\n", None)) == [": keep-alive\n\n"]
    assert list(pieces("", None)) == []
