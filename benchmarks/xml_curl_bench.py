"""xml_curl under load, as FreeSWITCH makes the requests.

Sets up 10,000 extensions in a fresh SQLite database, starts ``switchctl serve``
as its own process, and drives it from this process with 16 concurrent clients,
each opening a new connection per request (mod_xml_curl uses one curl handle per
fetch). Three phases: a trivial endpoint (``/healthz``), sip_auth directory
lookups and extension-to-extension dialplan lookups, with captured request bodies.
Prints latency percentiles, throughput, the ratios against the trivial endpoint
and the server's memory.

    python benchmarks/xml_curl_bench.py [--requests N] [--clients C] [--database URL]
"""

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import gevent
from gevent import socket as gsocket

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.builders.captures import xml_curl_body  # noqa: E402
from tests.clients.cli import free_tcp_port as free_port  # noqa: E402
from tests.clients.cli import start_serve  # noqa: E402

EXTENSIONS = 10_000
FIRST = 100_000


def main():
    args = parse_args()
    with tempfile.TemporaryDirectory() as data:
        env = dict(os.environ, SWITCHCTL_DATA=data, SWITCHCTL_SECRET_KEY="bench")
        if args.database:
            env["SWITCHCTL_DATABASE"] = args.database
        populate(Path(data), env)
        port = free_port()  # the switch's endpoints, on their own port as shipped
        env["SWITCHCTL_SWITCH_HTTP"] = f"127.0.0.1:{port}"
        server = start_server(data, env)
        try:
            report(run_phases(port, args), server.pid, args)
        finally:
            server.terminate()
            server.wait(timeout=10)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=6000, help="requests per phase")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--database", default="", help="database URL (default: SQLite file)")
    return parser.parse_args()


def switchctl(env, *args):
    subprocess.run([sys.executable, "-m", "switchctl", *args], env=env, check=True,
                   stdout=subprocess.DEVNULL, cwd=ROOT)


def populate(data, env, count=EXTENSIONS, first=FIRST):
    """``switchctl init``, then ``count`` extensions from ``first`` on by CSV import."""
    switchctl(env, "init")
    csv = data / "extensions.csv"
    rows = (f"{n},User {n},Pass{n}word,Dept {n % 50}" for n in range(first, first + count))
    csv.write_text("number,name,password,department\n" + "\n".join(rows) + "\n")
    started = time.perf_counter()
    switchctl(env, "extension", "import", str(csv))
    print(f"imported {count} extensions in {time.perf_counter() - started:.2f} s")


def start_server(data, env):
    server = start_serve(data, f"127.0.0.1:{free_port()}",
                         SWITCHCTL_SWITCH_HTTP=env["SWITCHCTL_SWITCH_HTTP"],
                         SWITCHCTL_DATABASE=env.get("SWITCHCTL_DATABASE", ""))
    gevent.spawn(_drain, server.stderr)  # a full pipe would stall the server
    return server


def _drain(stream):
    from gevent.os import tp_read

    while tp_read(stream.fileno(), 65536):
        pass


def post(body):
    head = ("POST /xml_curl HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: freeswitch-xml/1.0\r\n"
            "Accept: */*\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n")
    return head.encode() + body


def directory_requests(count):
    users = random.Random(1).choices(range(FIRST, FIRST + EXTENSIONS), k=count)
    return [post(xml_curl_body("1a_directory_sip_auth_REGISTER_1000", user=u,
                               sip_auth_username=u, sip_auth_realm="pbx.local",
                               domain="pbx.local", key_value="pbx.local"))
            for u in users]


def dialplan_requests(count):
    pick = random.Random(2).randrange
    calls = [(FIRST + pick(EXTENSIONS), FIRST + pick(EXTENSIONS)) for _ in range(count)]
    return [post(xml_curl_body("1d_dialplan_default_1001", **{
        "Hunt-Destination-Number": callee, "Caller-Destination-Number": callee,
        "variable_user_name": caller, "variable_domain_name": "pbx.local"}))
        for caller, callee in calls]


def trivial_requests(count):
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    return [request] * count


def fetch(port, request):
    started = time.perf_counter()
    sock = gsocket.create_connection(("127.0.0.1", port))
    try:
        sock.sendall(request)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    finally:
        sock.close()
    response = b"".join(chunks)
    if not response.startswith(b"HTTP/1.1 200") or b"not found" in response:
        raise RuntimeError(f"unexpected answer: {response[:200]!r}")
    return time.perf_counter() - started


def drive(port, requests, clients):
    queue = iter(requests)
    latencies = []

    def client():
        for request in queue:
            latencies.append(fetch(port, request))

    started = time.perf_counter()
    gevent.joinall([gevent.spawn(client) for _ in range(clients)], raise_error=True)
    elapsed = time.perf_counter() - started
    return latencies, elapsed


def run_phases(port, args):
    drive(port, trivial_requests(500), args.clients)  # warm up
    phases = {}
    for name, make in (("trivial /healthz", trivial_requests),
                       ("directory sip_auth", directory_requests),
                       ("dialplan ext->ext", dialplan_requests)):
        phases[name] = drive(port, make(args.requests), args.clients)
    return phases


def summary(latencies, elapsed):
    cuts = statistics.quantiles(latencies, n=100)
    return {"p50": cuts[49] * 1000, "p99": cuts[98] * 1000, "rps": len(latencies) / elapsed}


def memory(pid):
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines())
    return fields["VmRSS"].strip(), fields["VmHWM"].strip()


def report(phases, pid, args):
    print(f"{args.requests} requests per phase, {args.clients} clients, "
          "new connection per request")
    print(f"{'phase':<20} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8} {'rps ratio':>10} "
          f"{'p99 ratio':>10}")
    base = summary(*phases["trivial /healthz"])
    for name, result in phases.items():
        figures = summary(*result)
        print(f"{name:<20} {figures['p50']:8.2f} {figures['p99']:8.2f} {figures['rps']:8.0f} "
              f"{figures['rps'] / base['rps']:10.2f} {figures['p99'] / base['p99']:10.2f}")
    rss, peak = memory(pid)
    print(f"server memory: RSS {rss}, peak {peak}")


if __name__ == "__main__":
    main()
