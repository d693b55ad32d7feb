"""No call record is lost while switchctl is away: calls that end while it is stopped are
stored once it is back (FreeSWITCH's tries over a minute; past them its err-log-dir, which
switchctl serve imports), each once. switchctl stays away until FreeSWITCH's log says that
every record's post failed twice (its first try and a retry, 10 s later): the event the
outage is for, not a fixed time (a switch of your own, whose log is not here: OUTAGE)."""

import json
import re
import time

import pytest

from tests.integration.conftest import api
from tests.integration.sip_phones import answering_phone, calling, free_udp_port, register

pytestmark = pytest.mark.integration

OUTAGE = 30  # seconds switchctl is stopped at the most
# mod_xml_cdr 1.10.12 logs each failed try: "Got error [%ld] posting to web server [%s]".
POST_FAILED = re.compile(r"Got error \[\d+\] posting to web server")
FAILED_TRIES = 2  # each record's: the first and one retry
TALK = 8  # seconds each call lasts: long enough to stop switchctl before the calls end
CALLERS = ("101", "103", "105")
RECORDS = ("SELECT uuid FROM call_record WHERE callee_number = '102' "
           "AND caller_number IN ('101', '103', '105') ORDER BY id")


def wait_for(probe, seconds):
    deadline = time.monotonic() + seconds
    while not (result := probe()) and time.monotonic() < deadline:
        time.sleep(0.2)
    return result


def calls_up(esl):
    return json.loads(api(esl, "show calls as json") or "{}").get("row_count", 0)


def failed_posts(freeswitch, since):
    """How many record posts FreeSWITCH has logged as failed after byte ``since``."""
    return sum(bool(POST_FAILED.search(line))
               for line in freeswitch.log_lines(since=since, limit=100_000))


def test_calls_ending_while_switchctl_is_stopped_are_stored_once_it_is_back(
        esl, served, sip_address, freeswitch):
    before = served.rows(RECORDS)
    api(esl, "sofia profile internal flush_inbound_reg 102@pbx.local")  # earlier tests' phones
    port = free_udp_port()
    assert register(sip_address, "102", served["102"], port)
    phone = answering_phone(port, calls=len(CALLERS))
    callers = [calling(sip_address, number, served[number], "102", talk=TALK)
               for number in CALLERS]
    try:
        assert wait_for(lambda: calls_up(esl) >= len(CALLERS), 10), \
            f"the calls were not answered (sipp exit codes, None: running: " \
            f"{[caller.poll() for caller in callers]})"
        with served.stopped():
            stopped_at = time.monotonic()
            since = freeswitch.log_size() if freeswitch is not None else 0
            assert [caller.wait(timeout=TALK + 10) for caller in callers] == [0] * len(CALLERS)
            assert phone.wait(timeout=10) == 0
            assert served.rows(RECORDS) == before  # every call ended while switchctl was away
            if freeswitch is None:
                time.sleep(max(0.0, OUTAGE - (time.monotonic() - stopped_at)))
            else:
                tries = FAILED_TRIES * len(CALLERS)
                assert wait_for(lambda: failed_posts(freeswitch, since) >= tries, OUTAGE), \
                    f"FreeSWITCH did not log {tries} failed posts while switchctl was away"
        stored = wait_for(lambda: served.rows(RECORDS)[len(before):]
                          if len(served.rows(RECORDS)) >= len(before) + len(CALLERS) else None,
                          60)
    finally:
        for process in (phone, *callers):
            if process.poll() is None:
                process.kill()
    assert stored and len(stored) == len(CALLERS), "records lost"
    assert len(set(stored)) == len(CALLERS)
    assert served.rows(RECORDS)[len(before):] == stored  # nothing stored twice
