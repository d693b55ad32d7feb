"""xml_curl at a steady rate while the portal side is abused: does the switch still get
its answers in time?

Sets up 10,000 extensions in a fresh SQLite database, starts ``switchctl serve`` as
its own process with the usual open-files limit of 1,024, and drives directory lookups
at a steady rate (a new connection each, as mod_xml_curl makes them) through four
phases:
1. quiet: nothing else;
2. idle connections: 300 portal connections holding unfinished requests (each one the
   server cuts off is opened again at once);
3. event streams: 200 ``/events`` streams opened together (40 logged-in users, 5 each:
   the most a login may hold), each reading the 10,000-extension snapshot;
4. database lock: another process holds SQLite's write lock while CDRs keep arriving
   (8 posts in flight at all times).
Prints, per phase, the lookups' p50/p99 latency, how many failed or took over 5 s
(FreeSWITCH's timeout), and the server's memory.

    python benchmarks/abuse_bench.py [--seconds S] [--rate R]
"""

import argparse
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import gevent
import gevent.event
import requests
from gevent import socket as gsocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from tests.builders.captures import payload  # noqa: E402
from tests.clients.cli import free_tcp_port as free_port  # noqa: E402
from tests.clients.cli import start_serve  # noqa: E402
from tests.clients.portal import log_in_http  # noqa: E402
from xml_curl_bench import (EXTENSIONS, FIRST, _drain, directory_requests, memory,  # noqa: E402
                            switchctl)
from xml_curl_bench import populate as populate_extensions  # noqa: E402

SWITCH_TIMEOUT = 5.0  # mod_xml_curl's timeout in the shipped configuration
FILE_LIMIT = (1024, 1024)
IDLE_CONNECTIONS = 300
STREAM_USERS, STREAMS_PER_USER = 40, 5
CDRS_IN_FLIGHT = 8
CDR = "xml_cdr/2f_unregistered_encode_textxml_a_leg.cdr.xml"
CDR_UUID = b"c5c16f78-8d86-4888-bc96-2741a25d47ff"


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, SWITCHCTL_DATA=data, SWITCHCTL_SECRET_KEY="bench")
        populate(Path(data), env)
        portal, switch = free_port(), free_port()
        server = start_serve(data, f"127.0.0.1:{portal}", files=FILE_LIMIT,
                             SWITCHCTL_SWITCH_HTTP=f"127.0.0.1:{switch}")
        gevent.spawn(_drain, server.stderr)
        try:
            run(args, Path(data), portal, switch, server.pid)
        finally:
            server.terminate()
            server.wait(timeout=10)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=15, help="length of each phase")
    parser.add_argument("--rate", type=float, default=50, help="lookups per second")
    return parser.parse_args()


def populate(data, env):
    populate_extensions(data, env)
    switchctl(env, "portal", "enable")
    switchctl(env, "portal", "enable", *(str(FIRST + n) for n in range(STREAM_USERS)))


def run(args, data, portal, switch, pid):
    print(f"{EXTENSIONS} extensions, lookups at {args.rate:.0f}/s for {args.seconds:.0f} s per "
          f"phase, open-files limit {FILE_LIMIT[0]}")
    print(f"{'phase':<34} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} {'late':>5} {'failed':>6}"
          f"  server memory (RSS / peak)")
    cookies = log_in(portal)  # before the phases: the logins block this process
    phases = (
        ("quiet", quiet),
        (f"{IDLE_CONNECTIONS} idle portal connections", idle_connections),
        (f"{STREAM_USERS * STREAMS_PER_USER} event streams", event_streams),
        ("SQLite write lock held, CDRs arriving", database_lock),
    )
    for name, abuse in phases:
        stop = gevent.event.Event()
        abuser = gevent.spawn(abuse, stop, data=data, portal=portal, switch=switch,
                              cookies=cookies)
        gevent.sleep(1)  # the abuse is under way
        latencies, failed = steady_lookups(switch, args.rate, args.seconds)
        rss, peak = memory(pid)
        stop.set()
        abuser.join(timeout=30)
        abuser.kill()
        report(name, latencies, failed, rss, peak)
        gevent.sleep(2)


def steady_lookups(port, rate, seconds):
    """Lookups spawned at ``rate`` per second for ``seconds``: (latencies, failures)."""
    bodies = iter(directory_requests(int(rate * seconds) + 1))
    latencies, failed = [], []

    def one(request):
        started = time.perf_counter()
        try:
            with gevent.Timeout(SWITCH_TIMEOUT * 2):
                answer = exchange(port, request)
            if not answer.startswith(b"HTTP/1.1 200") or b"a1-hash" not in answer:
                raise RuntimeError(answer[:80])
        except (OSError, RuntimeError, gevent.Timeout) as exc:
            failed.append(exc)
            return
        latencies.append(time.perf_counter() - started)

    workers = []
    started = time.perf_counter()
    for n, body in enumerate(bodies):
        gevent.sleep(max(0.0, started + n / rate - time.perf_counter()))
        workers.append(gevent.spawn(one, body))
    gevent.joinall(workers)
    return latencies, failed


def exchange(port, request):
    sock = gsocket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        sock.close()


def report(name, latencies, failed, rss, peak):
    late = sum(latency > SWITCH_TIMEOUT for latency in latencies)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0] * 99
    print(f"{name:<34} {cuts[49] * 1000:8.2f} {cuts[98] * 1000:8.2f} "
          f"{max(latencies, default=0) * 1000:8.2f} {late:5d} {len(failed):6d}  {rss} / {peak}")


def quiet(stop, **_):
    stop.wait()


def idle_connections(stop, portal, **_):
    def hold():
        while not stop.is_set():
            try:
                sock = gsocket.create_connection(("127.0.0.1", portal), timeout=30)
                sock.sendall(b"GET /extensions HTTP/1.1\r\nHost: x\r\n")  # never finished
                while not stop.is_set() and sock.recv(4096):
                    pass  # until the server cuts it off
                sock.close()
            except OSError:
                gevent.sleep(0.1)

    holders = [gevent.spawn(hold) for _ in range(IDLE_CONNECTIONS)]
    stop.wait()
    gevent.killall(holders, timeout=5)


def log_in(portal):
    """The session cookies of STREAM_USERS logged-in extension users."""
    cookies = []
    for n in range(STREAM_USERS):
        number = str(FIRST + n)
        with requests.Session() as session:
            log_in_http(session, f"http://127.0.0.1:{portal}", number, f"Pass{number}word")
            cookies.append("; ".join(f"{k}={v}" for k, v in session.cookies.items()))
    return cookies


def event_streams(stop, portal, cookies, **_):
    received = []

    def stream(cookie):
        sock = gsocket.create_connection(("127.0.0.1", portal))
        sock.sendall(f"GET /events HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\n\r\n".encode())
        try:
            while not stop.is_set() and (chunk := sock.recv(65536)):
                received.append(len(chunk))
        finally:
            sock.close()

    streams = [gevent.spawn(stream, cookie) for cookie in cookies
               for _ in range(STREAMS_PER_USER)]
    stop.wait()
    gevent.killall(streams, timeout=5)
    print(f"  (streams received {sum(received) / 1e6:.1f} MB)")


def database_lock(stop, data, switch, **_):
    holder = sqlite3.connect(data / "switchctl.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    template = payload(CDR)
    answers = []

    def post_cdrs():
        while not stop.is_set():
            body = template.replace(CDR_UUID, str(uuid.uuid4()).encode())
            request = (b"POST /cdr HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\n"
                       b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body
            try:
                answers.append(exchange(switch, request)[:12])
            except OSError:
                gevent.sleep(0.1)

    posters = [gevent.spawn(post_cdrs) for _ in range(CDRS_IN_FLIGHT)]
    stop.wait()
    holder.execute("ROLLBACK")
    holder.close()
    gevent.joinall(posters, timeout=10)
    refused = sum(not answer.startswith(b"HTTP/1.1 200") for answer in answers)
    print(f"  ({len(answers)} CDR posts answered while locked, {refused} with an error: "
          "FreeSWITCH keeps and retries those)")


if __name__ == "__main__":
    main()
