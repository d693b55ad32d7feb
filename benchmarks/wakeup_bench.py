"""Wake-up calls at scale: 10,000 calls falling due within a few seconds.

Starts ``switchctl serve`` as its own process, its inbound event socket connected to a
fake switch in this process (tests/fakes/fake_switch.py, the real protocol over TCP).
Once the link is up, books the calls straight into the database (1,000 extensions, each
call due on a whole second, spread evenly over ``--window`` seconds starting a few
seconds ahead), and stamps each ``bgapi originate`` as it reaches the switch. Prints the
lag from each call's due time to its originate (p50, p99, max), how many calls were
originated (and whether any twice), and the server's memory. Target: every call
originated within 1 s of its time.

    python benchmarks/wakeup_bench.py [--calls N] [--window SECONDS] [--postgres]
"""

import argparse
import datetime
import os
import re
import statistics
import sys
import time
from pathlib import Path

import gevent
from gevent.queue import Empty, Queue

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from switchctl import schema  # noqa: E402
from switchctl.db import open_database  # noqa: E402
from switchctl.models import Extension, WakeupCall  # noqa: E402
from switchctl.services.domains import ensure_domain  # noqa: E402
from switchctl.services.extensions import import_csv  # noqa: E402
from tests.clients.cli import start_serve  # noqa: E402
from tests.fakes.fake_switch import FakeSwitch  # noqa: E402
from call_records_bench import bench_database  # noqa: E402
from xml_curl_bench import _drain, free_port, memory  # noqa: E402

EXTENSIONS = 1000
FIRST = 3000
AHEAD = 4  # seconds from booking to the first due time
EMPTY = '{"row_count":0}'
CALL_ID = re.compile(r"switchctl_wakeup_call=(\d+)")


class StampingSwitch(FakeSwitch):
    """The fake switch, noting when each originate arrives (before it answers)."""

    def __init__(self):
        super().__init__(answers={"show registrations as json": EMPTY,
                                  "show channels as json": EMPTY})
        self.arrivals = Queue()

    def _handle(self, sock, command):
        if command.startswith("bgapi originate"):
            self.arrivals.put((time.time(), command))
        return super()._handle(sock, command)


def main():
    args = parse_args()
    with bench_database(args.postgres) as (data, url):
        run(args, data, url)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--window", type=int, default=10,
                        help="seconds over which the calls fall due (1: all at once)")
    parser.add_argument("--postgres", action="store_true",
                        help="run on a private PostgreSQL server instead of SQLite")
    return parser.parse_args()


def run(args, data, url):
    print(f"database: {'PostgreSQL (private server)' if args.postgres else 'SQLite file'}")
    db = open_database(url)
    schema.upgrade(db)
    domain = ensure_domain("pbx.local")
    import_csv(domain, "number,name,password\n" + "\n".join(
        f"{n},User {n},Pass{n}word" for n in range(FIRST, FIRST + EXTENSIONS)))
    extensions = [e.id for e in Extension.select(Extension.id).order_by(Extension.id)]
    db.close()
    switch = StampingSwitch().start()
    server = gevent.get_hub().threadpool.apply(start_serve, (data, f"127.0.0.1:{free_port()}"), {
        "SWITCHCTL_ESL": f"127.0.0.1:{switch.port}", "SWITCHCTL_DATABASE": url})
    gevent.spawn(_drain, server.stderr)  # a full pipe would stall the server
    try:
        if not switch.subscribed.wait(timeout=20):
            sys.exit("switchctl serve never connected to the fake switch")
        due = book(db, extensions, args)
        report(collect(switch, due, args), due, server.pid, args)
    finally:
        server.terminate()
        server.wait(timeout=10)
        switch.stop()


def book(db, extensions, args):
    """``{call id: due time (epoch)}`` of the calls booked, due from AHEAD seconds on."""
    first = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0, tzinfo=None)
    first += datetime.timedelta(seconds=AHEAD)
    rows = []
    for n in range(args.calls):
        at = first + datetime.timedelta(seconds=n * args.window // args.calls)
        rows.append(WakeupCall(extension=extensions[n % len(extensions)], at=at, next_try=at,
                               created=first))
    started = time.perf_counter()
    with db.connection_context():
        with db.atomic():
            WakeupCall.bulk_create(rows, batch_size=500)
        due = {call.id: call.at.replace(tzinfo=datetime.timezone.utc).timestamp()
               for call in WakeupCall.select(WakeupCall.id, WakeupCall.at)}
    print(f"booked {len(due)} wake-up calls in {time.perf_counter() - started:.2f} s, due "
          f"over {args.window} s from {AHEAD} s ahead")
    return due


def collect(switch, due, args):
    """``[(call id, lag in seconds)]`` of each originate, until all came or time ran out."""
    seen = []
    deadline = time.time() + AHEAD + args.window + 60
    while len(seen) < len(due) and time.time() < deadline:
        try:
            arrived, command = switch.arrivals.get(timeout=max(0.1, deadline - time.time()))
        except Empty:
            break
        call_id = int(CALL_ID.search(command).group(1))
        seen.append((call_id, arrived - due[call_id]))
    return seen


def report(seen, due, pid, args):
    lags = sorted(lag for _, lag in seen)
    distinct = len({call_id for call_id, _ in seen})
    print(f"originated {distinct} of {len(due)} calls"
          f"{f', {len(seen) - distinct} more than once' if len(seen) > distinct else ''}")
    if lags:
        cuts = statistics.quantiles(lags, n=100) if len(lags) > 1 else [lags[0]] * 99
        late = sum(lag > 1.0 for lag in lags)
        print(f"lag from due time to originate: p50 {cuts[49] * 1000:.0f} ms, p99 "
              f"{cuts[98] * 1000:.0f} ms, max {lags[-1] * 1000:.0f} ms; "
              f"{late} later than 1 s")
    rss, peak = memory(pid)
    print(f"server memory: RSS {rss}, peak {peak}")
    print(f"({os.cpu_count()} cores; {args.calls} calls over {args.window} s)")


if __name__ == "__main__":
    main()
