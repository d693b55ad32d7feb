"""Call records at scale: search latency over 1,000,000 records, and CDR intake rate.

1. Fills a fresh database (an SQLite file, or with ``--postgres`` a private PostgreSQL
   server started for the run) with 1,000,000 call records over a year for 200
   extensions (inbound, outbound, internal), then times the portal's searches
   (switchctl.services.call_records.search) for random extensions: date range,
   type, other party's number, all combined, and a domain-wide range; each on
   the first page and on a deep page (page 20). Prints p50/p95 in ms.
2. Starts ``switchctl serve`` and posts the captured answered-call CDR (a fresh
   uuid each time) from 16 clients, a new connection per post as mod_xml_cdr
   does; prints records stored per second.

    python benchmarks/call_records_bench.py [--records N] [--samples N] [--posts N]
                                            [--postgres]
"""

import argparse
import contextlib
import datetime
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import gevent
import peewee

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from switchctl import schema  # noqa: E402
from switchctl.db import open_database  # noqa: E402
from switchctl.models import CallRecord, Extension  # noqa: E402
from switchctl.services.call_records import CallQuery, search  # noqa: E402
from switchctl.services.domains import ensure_domain  # noqa: E402
from switchctl.services.extensions import import_csv  # noqa: E402
from tests.builders.captures import payload  # noqa: E402
from tests.clients.cli import start_serve  # noqa: E402
from xml_curl_bench import free_port, summary  # noqa: E402

EXTENSIONS = 200
FIRST = 2000
YEAR_START = datetime.datetime(2026, 1, 1)
COLUMNS = ("domain_id", "uuid", "direction", "caller_number", "caller_name", "callee_number",
           "caller_extension_id", "callee_extension_id", "start", "answer", "end", "duration",
           "billsec", "disposition", "hangup_cause")


def main():
    args = parse_args()
    with bench_database(args.postgres) as (data, url):
        print(f"database: {'PostgreSQL (private server)' if args.postgres else 'SQLite file'}")
        db = open_database(url)
        schema.upgrade(db)
        domain = ensure_domain("pbx.local")
        ids = populate(db, domain, args.records)
        report_searches(domain, ids, args.samples)
        db.close()
        report_intake(data, args.posts, url)


@contextlib.contextmanager
def bench_database(postgres):
    """``(temporary data folder, database URL)``: a SQLite file in the folder, or with
    ``postgres`` a private PostgreSQL server of its own, stopped afterwards."""
    with tempfile.TemporaryDirectory() as data:
        if not postgres:
            yield Path(data), f"sqlite:///{data}/switchctl.sqlite3"
            return
        from tests.servers.postgres import PostgresServer

        server = PostgresServer()
        if server.missing:
            sys.exit(f"no PostgreSQL: {server.missing}")
        try:
            yield Path(data), server.start().url
        finally:
            server.stop()


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=40, help="searches per shape")
    parser.add_argument("--posts", type=int, default=3000, help="CDR posts for the intake rate")
    parser.add_argument("--postgres", action="store_true",
                        help="run on a private PostgreSQL server instead of SQLite")
    return parser.parse_args()


def populate(db, domain, count):
    import_csv(domain, "number,name,password\n" + "\n".join(
        f"{n},User {n},Pass{n}word" for n in range(FIRST, FIRST + EXTENSIONS)))
    ids = {e.number: e.id for e in Extension.select()}
    numbers = list(ids)
    rng = random.Random(7)
    started = time.perf_counter()
    for offset in range(0, count, 20_000):
        rows = [_row(domain.id, ids, numbers, rng, offset + i)
                for i in range(min(20_000, count - offset))]
        with db.atomic():
            _insert(db, rows)
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("ANALYZE call_record")  # as autovacuum would soon after
    print(f"inserted {count} call records in {time.perf_counter() - started:.1f} s")
    return ids


def _insert(db, rows):
    """Bulk insert the driver's fastest way (row-by-row SQL would take most of the run)."""
    columns = ", ".join(f'"{column}"' for column in COLUMNS)  # "end" is a keyword
    if isinstance(db, peewee.PostgresqlDatabase):
        from psycopg2.extras import execute_values

        with db.connection().cursor() as cursor:
            execute_values(cursor, f'INSERT INTO "call_record" ({columns}) VALUES %s', rows,
                           page_size=5000)
    else:
        db.connection().executemany(f'INSERT INTO "call_record" ({columns}) VALUES '
                                    f'({", ".join("?" * len(COLUMNS))})', rows)


def _row(domain_id, ids, numbers, rng, index):
    start = YEAR_START + datetime.timedelta(seconds=rng.randrange(365 * 86400))
    kind = rng.choice(("inbound", "outbound", "internal", "internal"))
    me, other = rng.choice(numbers), rng.choice(numbers)
    outside = f"13{rng.randrange(10**8, 10**9)}"
    caller, callee = {"inbound": (outside, me), "outbound": (me, outside),
                      "internal": (me, other)}[kind]
    billsec = rng.choice((0, rng.randrange(1, 600)))
    end = start + datetime.timedelta(seconds=billsec + 5)
    return (domain_id, f"bench-{index}", kind, caller, "", callee, ids.get(caller),
            ids.get(callee), str(start), str(start) if billsec else None, str(end), billsec + 5,
            billsec, "ANSWERED" if billsec else "NO_ANSWER", "NORMAL_CLEARING")


def shapes(domain, ids, rng):
    me = ids[rng.choice(list(ids))]
    day = YEAR_START.date() + datetime.timedelta(days=rng.randrange(300))
    week = {"start": day, "end": day + datetime.timedelta(days=6)}
    their = CallRecord.select(CallRecord.callee_number).where(
        CallRecord.caller_extension == me, CallRecord.direction == "outbound").first()
    number = their.callee_number if their else "13000000000"
    return {
        "date range": CallQuery(domain.id, me, **week),
        "type": CallQuery(domain.id, me, kind="outbound"),
        "number": CallQuery(domain.id, me, number=number),
        "combined": CallQuery(domain.id, me, kind="outbound", number=number,
                              start=YEAR_START.date(), end=day + datetime.timedelta(days=60)),
        "domain-wide range": CallQuery(domain.id, None, **week),
    }


def report_searches(domain, ids, samples):
    rng = random.Random(11)
    timings = {}
    for _ in range(samples):
        for name, query in shapes(domain, ids, rng).items():
            for page in (1, 20):
                query_page = CallQuery(**{**query.__dict__, "page": page})
                started = time.perf_counter()
                search(query_page)
                timings.setdefault((name, page), []).append(time.perf_counter() - started)
    print(f"search over {CallRecord.select().count()} records, {samples} searches per shape")
    print(f"{'shape':<20} {'page':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for (name, page), values in timings.items():
        cuts = statistics.quantiles(values, n=100)
        print(f"{name:<20} {page:>5} {cuts[49] * 1000:8.2f} {cuts[94] * 1000:8.2f}")


INTAKE_MODES = (
    # (label, Content-Type, captured body of the answered 1000 -> 1001 call in that mode)
    ("encode=textxml (shipped)", "text/xml", "xml_cdr/2a_answered_encode_true_a_leg.cdr.xml"),
    ("encode=true", "application/x-www-form-urlencoded",
     "xml_cdr/2a_answered_encode_true_a_leg.body.txt"),
)


def report_intake(data, posts, url):
    from xml_curl_bench import drive

    port = free_port()  # the switch's endpoints (/cdr), on their own port as shipped
    server = start_serve(data, f"127.0.0.1:{free_port()}", SWITCHCTL_DATABASE=url,
                         SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{port}")
    try:
        for label, content_type, capture in INTAKE_MODES:
            latencies, elapsed = drive(port, _cdr_posts(content_type, capture, posts), 16)
            figures = summary(latencies, elapsed)
            print(f"CDR intake, {label}: {figures['rps']:.0f} records/s over HTTP (p50 "
                  f"{figures['p50']:.2f} ms, p99 {figures['p99']:.2f} ms, {posts} posts, "
                  "16 clients)")
    finally:
        server.terminate()
        server.wait(timeout=10)


def _cdr_posts(content_type, capture, count):
    """``count`` posts of a captured CDR, each with a new call uuid."""
    template = payload(capture)
    old = b"3f797751-8615-42f0-b800-3d3021009ef6"
    head = (b"POST /cdr HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: freeswitch-xml/1.0\r\n"
            b"Content-Type: " + content_type.encode() + b"\r\nContent-Length: %d\r\n"
            b"Connection: close\r\n\r\n")
    bodies = (template.replace(old, str(uuid.uuid4()).encode()) for _ in range(count))
    return [head % len(body) + body for body in bodies]


if __name__ == "__main__":
    os.environ.setdefault("SWITCHCTL_SECRET_KEY", "bench")
    gevent.get_hub()
    main()
