"""The call records page (/calls) and its CSV export: an extension user's own calls, searched
as the CooVox manual's §1.4 does, through the real app; and the service underneath (the
export read a chunk at a time, the day in the domain's time zone, the index plans)."""

import csv
import datetime
import io
import re
import zoneinfo

import pytest
from playhouse.test_utils import count_queries

from switchctl.models import CallRecord, Recording
from switchctl.services import call_records, recordings
from switchctl.services.call_records import CallQuery, key_scans
from switchctl.services.contacts import add_contact
from switchctl.services.domains import TIME_ZONE, set_setting
from switchctl.services.extensions import add_extension, set_portal_access
from switchctl.services.logins import add_account
from tests.builders.zones import other_zone
from tests.clients.portal import ADMIN, EXTENSION, OPERATOR, log_in, page_error

pytestmark = pytest.mark.usefixtures("quick_hashes")  # account hashes: not what is tested

DAY = datetime.date(2018, 3, 14)
LOGINS = {"admin": ADMIN, "operator": OPERATOR, "104": ("104", "Passw0rd104"),
          "101": EXTENSION}


def at(day, hour, minute=0):
    return datetime.datetime.combine(day, datetime.time(hour, minute))


@pytest.fixture
def people(app, office):
    """The office plus 104 (Carol, portal open) and 107 (Dan), and a shared contact."""
    ext = {"104": add_extension(office, "104", "Carol", "Passw0rd104")[0],
           "107": add_extension(office, "107", "Dan", "Passw0rd107")[0]}
    set_portal_access(office, ["101", "102", "104"], True)
    add_contact(office, "ACME Sales", "13800000000")
    return ext


def call(domain, uuid, direction, caller, callee, caller_ext, callee_ext, start,
         disposition="ANSWERED", cause="NORMAL_CLEARING", billsec=65):
    return CallRecord.create(
        domain=domain, uuid=uuid, direction=direction, caller_number=caller,
        callee_number=callee, caller_extension=caller_ext, callee_extension=callee_ext,
        start=start, end=start, duration=billsec + 5, billsec=billsec, disposition=disposition,
        hangup_cause=cause)


@pytest.fixture
def calls(office, people):
    e104, e107 = people["104"], people["107"]
    e101 = CallRecord.caller_extension.rel_model.get(number="101")
    call(office, "c1", "internal", "104", "107", e104, e107, at(DAY, 9))
    call(office, "c2", "internal", "107", "104", e107, e104, at(DAY, 10), "NO_ANSWER",
         "NO_ANSWER", 0)
    call(office, "c3", "outbound", "104", "85337106", e104, None, at(DAY, 11), "FAILED",
         "UNALLOCATED_NUMBER", 0)
    call(office, "c4", "inbound", "13800000000", "104", None, e104, at(DAY, 12))
    call(office, "c5", "internal", "107", "101", e107, e101, at(DAY, 13))
    call(office, "c6", "internal", "104", "107", e104, e107, at(DAY + datetime.timedelta(1), 12))
    Recording.create(domain=office, extension=e104, call_uuid="c1", path="rec/c1.wav",
                     started=at(DAY, 9), duration=60)
    return people


def browser_of(app, who):
    browser = app.test_client()
    if who is not None:
        assert log_in(browser, *LOGINS[who]).status_code == 302
    return browser


def uuids(page_text):
    return re.findall(r'<tr data-uuid="([^"]+)"', page_text)


def search(app, who="104", **args):
    answer = browser_of(app, who).get("/calls", query_string=args)
    return answer, answer.get_data(as_text=True)


def test_the_manuals_example_104_and_107_on_2018_03_14(app, calls):
    answer, text = search(app, start="2018-03-14", end="2018-03-14", number="107")
    assert answer.status_code == 200
    assert uuids(text) == ["c2", "c1"]
    assert 'value="2018-03-14"' in text and 'value="107"' in text  # the form keeps them


def test_an_extension_sees_its_own_calls_newest_first_in_words(app, calls):
    answer, text = search(app)
    assert uuids(text) == ["c6", "c4", "c3", "c2", "c1"]
    row = dict(zip(uuids(text), re.split(r"<tr data-uuid=", text)[1:]))
    assert "Internal, made" in row["c1"] and "Dan" in row["c1"] and "1:10" in row["c1"]
    assert "Internal, received" in row["c2"] and "No answer" in row["c2"]
    assert "Outbound" in row["c3"] and "Failed: no such number" in row["c3"]
    assert "Inbound" in row["c4"] and "ACME Sales" in row["c4"] and "13800000000" in row["c4"]
    assert "/recordings/" in row["c1"] and "/recordings/" not in row["c2"]


CASES = [  # (criteria, the calls found)
    ({"kind": "inbound"}, ["c4"]),
    ({"kind": "outbound"}, ["c3"]),
    ({"kind": "internal", "start": "2018-03-14", "end": "2018-03-14"}, ["c2", "c1"]),
    ({"start": "2018-03-15"}, ["c6"]),
    ({"end": "2018-03-14", "number": "13800000000"}, ["c4"]),
    ({"start": " 2018-03-14 ", "end": "2018-03-14", "number": " 107 ", "kind": "all"},
     ["c2", "c1"]),
    ({"number": "101"}, []),  # 107 called 101: not a call of 104's
]


def test_type_date_and_number_alone_or_combined(app, calls):
    browser = browser_of(app, "104")
    for args, expected in CASES:
        text = browser.get("/calls", query_string=args).get_data(as_text=True)
        assert uuids(text) == expected, args


def test_forged_extension_fields_in_the_query_string_change_nothing(app, calls):
    """The search runs as the login: extension ids or numbers in the query are not read."""
    forged = {"extension_id": calls["107"].id, "extension": "107", "extension_number": "107"}
    assert uuids(search(app, **forged)[1]) == ["c6", "c4", "c3", "c2", "c1"]
    assert uuids(search(app, who="101", **forged)[1]) == ["c5"]
    assert uuids(search(app, who="101", number="104")[1]) == []


BAD = [  # (criteria, the message's start)
    ({"start": "2018-13-40"}, "The start date is not a date"),
    ({"start": "14/03/2018"}, "The start date is not a date"),
    ({"end": "yesterday"}, "The end date is not a date"),
    ({"start": "2018-03-15", "end": "2018-03-14"}, "the end date is before the start date"),
    ({"kind": "missed"}, "Choose the type of call from the list."),
    ({"number": "1" * 65}, "The number is too long"),
    ({"number": "10\x007"}, "The number is too long"),
]


def test_bad_criteria_give_a_clear_message_and_no_calls(app, calls):
    browser = browser_of(app, "104")
    for args, message in BAD:
        answer = browser.get("/calls", query_string=args)
        text = answer.get_data(as_text=True)
        assert answer.status_code == 400, args
        assert page_error(text).startswith(message), args
        assert uuids(text) == []
        export = browser.get("/calls/export.csv", query_string=args)
        assert export.status_code == 400 and page_error(export.get_data(as_text=True))
    for page in ("x", "0", "-1", "100001"):  # a bad page number: the first page
        assert uuids(browser.get(f"/calls?page={page}").get_data(as_text=True)) == \
            ["c6", "c4", "c3", "c2", "c1"]


def test_pages_of_fifty_newest_first_with_the_search_kept(app, office, calls):
    many(office, calls["104"], 60)
    browser = browser_of(app, "104")
    first = browser.get("/calls?start=2018-01-01&end=2018-01-31").get_data(as_text=True)
    assert len(uuids(first)) == 50 and uuids(first)[0] == "m59"
    link = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "start=2018-01-01" in link and "page=2" in link
    second = browser.get(link).get_data(as_text=True)
    assert uuids(second) == [f"m{n}" for n in range(9, -1, -1)]
    assert 'rel="next"' not in second


def many(domain, extension, count):
    """``count`` outbound calls of ``extension`` in January 2018, m0 the oldest."""
    CallRecord.insert_many([
        {"domain": domain, "uuid": f"m{n}", "direction": "outbound", "caller_number": "104",
         "callee_number": f"139{n:08d}", "caller_extension": extension,
         "start": datetime.datetime(2018, 1, 1) + datetime.timedelta(minutes=n),
         "end": datetime.datetime(2018, 1, 1), "disposition": "ANSWERED"}
        for n in range(count)]).execute()


def test_the_page_costs_the_same_queries_for_five_calls_or_fifty(app, office, calls):
    browser = browser_of(app, "104")
    with count_queries() as few:
        assert browser.get("/calls").status_code == 200
    many(office, calls["104"], 60)
    for n in range(0, 60, 3):
        add_contact(office, f"Contact {n}", f"139{n:08d}", owner=calls["104"])
    with count_queries() as full:
        text = browser.get("/calls").get_data(as_text=True)
    assert len(uuids(text)) == 50 and "Contact 57" in text
    assert full.count == few.count  # names and recordings: one query each per page


def test_the_page_is_an_extension_users_own_and_needs_a_login(app, office, calls):
    add_account(office, "desk", "operator", "DeskPassw0rd1")
    for who in ("admin", "operator"):
        browser = browser_of(app, who)
        assert browser.get("/calls").status_code == 403
        assert browser.get("/calls/export.csv").status_code == 403
    browser = browser_of(app, None)
    assert browser.get("/calls?number=107").location == "/login?next=/calls?number%3D107"
    assert browser.get("/calls/export.csv").location.startswith("/login")


def test_the_page_in_chinese(app, calls):
    browser = browser_of(app, "104")
    browser.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN,zh;q=0.9"
    text = browser.get("/calls?kind=internal").get_data(as_text=True)
    for words in ("通话记录", "开始日期", "结束日期", "类型", "号码", "搜索", "全部", "呼入",
                  "呼出", "内部（呼出）", "未接听", "导出"):
        assert words in text, words
    bad = browser.get("/calls?start=2018-02-30").get_data(as_text=True)
    assert "开始日期" in page_error(bad)


def rows_of(answer):
    text = b"".join(answer.response).decode("utf-8")
    assert text.startswith("\ufeff")  # the BOM: Excel reads the UTF-8 names right
    return list(csv.DictReader(io.StringIO(text[1:])))


def test_the_csv_export_has_the_whole_search_streamed(app, office, calls):
    many(office, calls["104"], 60)
    browser = browser_of(app, "104")
    page = browser.get("/calls?start=2018-03-14&end=2018-03-14&number=107")
    link = re.search(r'id="call-export" class="export" href="([^"]+)"',
                     page.get_data(as_text=True)).group(1).replace("&amp;", "&")
    assert link == "/calls/export.csv?start=2018-03-14&end=2018-03-14&number=107"
    answer = browser.get(link, buffered=False)
    assert answer.status_code == 200 and answer.is_streamed
    assert answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"] == 'attachment; filename="calls-104.csv"'
    rows = rows_of(answer)
    assert [(r["uuid"], r["other_party"], r["other_party_name"]) for r in rows] == \
        [("c2", "107", "Dan"), ("c1", "107", "Dan")]
    assert rows[0]["start"] == "2018-03-14 10:00:00" and rows[0]["disposition"] == "NO_ANSWER"
    everything = rows_of(browser.get("/calls/export.csv", buffered=False))
    assert len(everything) == 65  # every page of it: 60 + the 5 calls of the fixture


@pytest.mark.both_databases
def test_the_export_reads_a_chunk_at_a_time(office, calls):
    """A generator over keyset reads: one read per chunk, each done before its records
    are handed on, so a call stored meanwhile below the cursor still comes out (nothing
    was read ahead), and each read is LIMITed to the chunk."""
    many(office, calls["104"], 9)
    query = CallQuery(office.id, calls["104"].id)
    with count_queries() as reads:
        records = call_records.export(query, chunk=4)
        first = [next(records).uuid for _ in range(4)]
    assert first == ["c6", "c4", "c3", "c2"] and reads.count == 3  # two sides, one fetch
    call(office, "late", "inbound", "13900000000", "104", None, calls["104"],
         datetime.datetime(2017, 12, 31))
    with count_queries() as rest:
        later = [record.uuid for record in records]
    assert later == ["c1"] + [f"m{n}" for n in range(8, -1, -1)] + ["late"]
    assert rest.count == 3 * 3  # three more chunks, each two index scans and one fetch
    text = "".join(call_records.export_csv(query, chunk=4))
    assert text.count("\r\n") == 1 + 15


def test_a_spreadsheet_formula_in_a_caller_name_is_defused(office, calls):
    record = call(office, "evil", "inbound", "+8613800000000", "104", None, calls["104"],
                  at(DAY, 8))
    record.caller_name = '=HYPERLINK("http://evil")'
    record.save()
    query = CallQuery(office.id, calls["104"].id, start=DAY, end=DAY, kind="inbound")
    rows = list(csv.DictReader(io.StringIO("".join(call_records.export_csv(query)))))
    assert [(r["caller"], r["caller_name"]) for r in rows][-1] == \
        ("+8613800000000", "'=HYPERLINK(\"http://evil\")")


def test_days_and_times_are_the_domains_time_zone(app, office, calls):
    """Records are on this machine's clock (xml_cdr: fromtimestamp); a domain in another
    zone searches and reads its own wall-clock days."""
    name = other_zone()
    set_setting(office, TIME_ZONE, name)
    zone = zoneinfo.ZoneInfo(name)
    stored = call_records.stored_time
    call(office, "just-after", "inbound", "13700000000", "104", None, calls["104"],
         stored(datetime.datetime(2018, 3, 20, 0, 30), zone))
    call(office, "just-before", "inbound", "13700000000", "104", None, calls["104"],
         stored(datetime.datetime(2018, 3, 19, 23, 30), zone))
    _, text = search(app, start="2018-03-20", end="2018-03-20")
    assert uuids(text) == ["just-after"]
    assert "2018-03-20 00:30:00" in text
    _, text = search(app, start="2018-03-19", end="2018-03-19")
    assert uuids(text) == ["just-before"] and "2018-03-19 23:30:00" in text


SHAPES = {
    "own calls": {},
    "one day": {"start": DAY, "end": DAY},
    "other number": {"number": "107"},
    "combined": {"start": DAY, "end": DAY, "number": "107", "kind": "internal"},
    "type": {"kind": "outbound"},
}


def plans(db, explain, query):
    for scan in key_scans(query, 51) + key_scans(query, 51, after=(at(DAY, 12), 99)):
        sql, params = scan.sql()
        yield " / ".join(str(row[-1]) for row in db.execute_sql(f"{explain} {sql}", params))


def test_each_half_of_a_search_is_an_ordered_index_range_on_sqlite(domain, db):
    for shape, criteria in SHAPES.items():
        for plan in plans(db, "EXPLAIN QUERY PLAN", CallQuery(domain.id, 7, **criteria)):
            assert re.fullmatch(r"SEARCH \S+ USING (COVERING )?INDEX call_record_\w+ "
                                r"\([^)]*\)", plan), (shape, plan)
            assert "TEMP B-TREE" not in plan  # newest first straight from the index


@pytest.mark.both_databases
def test_each_half_of_a_search_can_use_an_index_on_both_databases(domain, db, backend):
    explain = "EXPLAIN QUERY PLAN" if backend == "sqlite" else "EXPLAIN"
    if backend == "postgres":
        db.execute_sql("SET enable_seqscan = off")  # a tiny table: show the index can serve
    for shape, criteria in SHAPES.items():
        for plan in plans(db, explain, CallQuery(domain.id, 7, **criteria)):
            assert "Seq Scan" not in plan and "SCAN call_record" not in plan, (shape, plan)
            assert re.search(r"(?i)index", plan), (shape, plan)


def test_the_pages_names_and_recordings_are_read_by_their_numbers_and_calls(office, calls, db):
    """Named by the phone_key, the extension id and the call uuid indexes: a condition that
    SQLite would serve by the domain's index instead reads a whole phonebook or call table."""
    me = calls["104"]
    found, _ = call_records.search(CallQuery(office.id, me.id))
    recorded = list(Recording.select())
    with count_queries() as reads:
        names = call_records.party_names(office.id, me.id, found)
        links = recordings.recordings_of_calls(me, [r.uuid for r in found])
        recordings.calls_of(me, recorded)
    assert sorted(names.values()) == ["ACME Sales", "Dan", "Dan", "Dan"] and list(links) == ["c1"]
    used = []
    for read in reads.get_queries():
        sql, params = read.msg
        used += [row[-1] for row in db.execute_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                 if row[-1].startswith(("SEARCH", "SCAN"))]
    assert len(used) == 5, used  # extensions, contacts, recordings (and their calls), calls
    assert not [plan for plan in used if "SCAN" in plan or "_domain_id" in plan], used
