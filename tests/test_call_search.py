"""The call-record search the portal and ``switchctl calls`` use."""

import datetime

import pytest

from switchctl.models import CallRecord, Extension
from switchctl.services import ValidationError
from switchctl.services.call_records import CallQuery, search
from switchctl.services.extensions import add_extension

pytestmark = pytest.mark.both_databases

DAY = datetime.date(2018, 3, 14)


@pytest.fixture
def calls(db, domain):
    ext = {n: add_extension(domain, n, f"User {n}", "Passw0rd" + n)[0]
           for n in ("104", "107", "108")}
    rows = [
        ("c1", "internal", "104", "107", ext["104"], ext["107"], 9),
        ("c2", "internal", "107", "104", ext["107"], ext["104"], 10),
        ("c3", "outbound", "104", "85337106", ext["104"], None, 11),
        ("c4", "inbound", "13800000000", "104", None, ext["104"], 12),
        ("c5", "internal", "107", "108", ext["107"], ext["108"], 13),
        ("c6", "internal", "104", "107", ext["104"], ext["107"], 36),  # next day
    ]
    for uuid, direction, caller, callee, caller_ext, callee_ext, hour in rows:
        at = datetime.datetime.combine(DAY, datetime.time()) + datetime.timedelta(hours=hour)
        CallRecord.create(domain=domain, uuid=uuid, direction=direction, caller_number=caller,
                          callee_number=callee, caller_extension=caller_ext,
                          callee_extension=callee_ext, start=at, end=at, disposition="ANSWERED")
    return ext


def uuids(domain, **criteria):
    records, _ = search(CallQuery(domain.id, **criteria))
    return [r.uuid for r in records]


def test_the_manuals_example_calls_between_104_and_107_on_a_day(domain, calls):
    assert uuids(domain, extension_id=calls["104"].id, start=DAY, end=DAY, number="107") == \
        ["c2", "c1"]


def test_an_extension_sees_only_its_own_calls_newest_first(domain, calls):
    assert uuids(domain, extension_id=calls["104"].id) == ["c6", "c4", "c3", "c2", "c1"]
    assert uuids(domain, extension_id=calls["108"].id) == ["c5"]


@pytest.mark.parametrize(("kind", "expected"), [
    ("inbound", ["c4"]),
    ("outbound", ["c3"]),
    ("internal", ["c6", "c2", "c1"]),
])
def test_type_filter(domain, calls, kind, expected):
    assert uuids(domain, extension_id=calls["104"].id, kind=kind) == expected


def test_number_filter_matches_either_side(domain, calls):
    assert uuids(domain, number="13800000000") == ["c4"]
    assert uuids(domain, number="85337106") == ["c3"]


def test_pages(domain, calls):
    first, more = search(CallQuery(domain.id, per_page=4))
    second, last = search(CallQuery(domain.id, per_page=4, page=2))
    assert more and not last
    assert [r.uuid for r in first + second] == ["c6", "c5", "c4", "c3", "c2", "c1"]


@pytest.mark.parametrize("criteria", [
    {"kind": "missed"}, {"page": 0}, {"per_page": 10_000},
    {"start": DAY, "end": DAY - datetime.timedelta(days=1)},
    {"page": 99999999999999999999}, {"page": 100_001},
])
def test_bad_criteria_are_refused(domain, calls, criteria):
    with pytest.raises(ValidationError):
        search(CallQuery(domain.id, **criteria))


def test_a_search_may_end_on_the_last_day_there_is(domain, calls):
    assert len(uuids(domain, end=datetime.date.max)) == 6


def test_removing_an_extension_keeps_the_other_partys_records(domain, calls):
    Extension.delete().where(Extension.number == "108").execute()
    assert uuids(domain, extension_id=calls["107"].id, number="108") == ["c5"]
