"""Mailbox calls at scale: 200 callers leave a message at once, then 200 owners listen.

Sets up 200 extensions (voicemail on, as by default) in a fresh SQLite database and starts
``switchctl serve`` as its own process, its media folder in a temporary folder (the
switch's path of it the same), its inbound event socket on a fake switch in this process
(the lamps go there). This process then plays the switch for the calls: the routing's
own channel variables, asked of serve's dialplan over HTTP, go to 200 outbound-socket
calls (tests/fakes/fake_switch.py FakeCall, the real protocol over TCP). Each answers
every ``sendmsg`` as FreeSWITCH does (+OK, CHANNEL_EXECUTE, the keys as DTMF,
CHANNEL_EXECUTE_COMPLETE) and ``record`` writes a WAV of a few seconds of tone at the
path the command names.

1. leave: each call reaches a mailbox after no answer: greeting, beep, record, goodbye.
2. listen: each owner dials ``*61#``: PIN, the counts, 1 (the new message: when, from
   whom, the message itself), 2 (save), then no key: goodbye.

For every completed application (and each reply of the handshake) the time until
switchctl's next command arrives is noted; printed are its p50, p99 and max per phase and
per step of the calls (every call of a phase runs the same steps), the calls completed
(the mailbox holds the message and its WAV intact; the owner heard that file, it is
marked read; the call hung up normally), serve's CPU time and memory, and the load
generator's own loop lag (its share in every figure). Target: p99 under 20 ms, every call
completed.

Two scenarios, each with its own serve and database: "paced", where each application
lasts a random time up to 1 s on the switch (real prompts and recordings last longer)
and the calls connect over 2 s; and "lockstep", where every call connects at once and
the switch completes each application at once, so that all 200 calls ask for their next
command together: the worst case, a measure of throughput more than of responsiveness.
``--hold-ms`` (how long each application may last) and ``--ramp-ms`` (over how long the
calls connect) run one scenario of your own instead. ``--monitor`` turns on gevent's
monitor thread in serve (what holds its loop over 10 ms is reported on its standard
error: keep it with ``--serve-log``).

    python benchmarks/voicemail_bench.py [--calls N] [--hold-ms MS] [--ramp-ms MS]
                                         [--serve-log FILE] [--monitor]
"""

import argparse
import collections
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import gevent
import gevent.event
from lxml import etree

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from abuse_bench import exchange  # noqa: E402
from switchctl.db import open_database  # noqa: E402
from switchctl.freeswitch import variables  # noqa: E402
from switchctl.models import Extension, VoicemailMessage  # noqa: E402
from tests.builders.audio import wav  # noqa: E402
from tests.builders.dialplan import actions, call  # noqa: E402
from tests.clients.cli import start_serve  # noqa: E402
from tests.fakes.fake_switch import FakeCall, FakeRecording, FakeSwitch  # noqa: E402
from xml_curl_bench import _drain, free_port, memory, populate, post  # noqa: E402

FIRST = 4000
DOMAIN = "pbx.local"
MESSAGE_SECONDS = 4
PIN = "1234"  # every imported extension's mailbox PIN until its owner changes it
LISTEN_KEYS = [PIN, "1", "2"]  # PIN, the new messages, save; then no key: goodbye
TARGET_MS = 20
PHASE_TIMEOUT = 300  # seconds; a call not done by then is not completed
EMPTY = '{"row_count":0}'


class TimedCall(FakeCall):
    """A FakeCall that notes, for each command after ``connect``, how long switchctl
    took to send it once the switch had answered the one before (its reply and events
    written): ``waits`` holds ``(seconds, what was answered)``, that being ``(0, verb)``
    for the handshake and ``(n, application)`` for the call's n-th application (every
    call of a phase runs the same steps). ``hold()`` (seconds) is how long each
    application lasts before the switch answers it."""

    def __init__(self, *args, hold=lambda: 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.hold = hold
        self.waits = []
        self._answered = None

    def _handle(self, sock, lines):
        arrived = time.perf_counter()
        if self._answered is not None:
            self.waits.append((arrived - self._answered[0], self._answered[1]))
        if lines[:1] == ["sendmsg"] and (seconds := self.hold()):
            gevent.sleep(seconds)
        super()._handle(sock, lines)
        self._answered = time.perf_counter(), self.step(lines)

    def step(self, lines):
        for line in lines[1:]:
            if line.startswith("execute-app-name: "):
                return len(self.executed), line.split(": ", 1)[1]
        return 0, (lines[0] if lines else "").split(" ")[0]


SCENARIOS = (("paced", 1000, 2000), ("lockstep", 0, 0))  # (name, hold ms, ramp ms)


def main():
    args = parse_args()
    scenarios = SCENARIOS
    if args.hold_ms is not None or args.ramp_ms is not None:
        scenarios = (("as asked", args.hold_ms or 0, args.ramp_ms or 0),)
    for name, hold, ramp in scenarios:
        print(f"== {name}")
        with tempfile.TemporaryDirectory() as data:
            run(argparse.Namespace(**{**vars(args), "hold_ms": hold, "ramp_ms": ramp}),
                Path(data))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per phase")
    parser.add_argument("--hold-ms", type=float,
                        help="each application lasts up to this long, at random (0: none)")
    parser.add_argument("--ramp-ms", type=float,
                        help="the calls of a phase connect evenly over this time (0: at once)")
    parser.add_argument("--serve-log", default="", help="keep serve's standard error here")
    parser.add_argument("--monitor", action="store_true",
                        help="gevent's monitor thread in serve: what blocks its loop over "
                             "10 ms goes to its standard error (see --serve-log)")
    return parser.parse_args()


def run(args, data):
    env = dict(os.environ, SWITCHCTL_DATA=str(data), SWITCHCTL_SECRET_KEY="bench")
    populate(data, env, count=args.calls, first=FIRST)
    media = data / "media"
    media.mkdir()
    switch = FakeSwitch(answers={"show registrations as json": EMPTY,
                                 "show channels as json": EMPTY}).start()
    outbound, switch_http = free_port(), free_port()
    extra = {"SWITCHCTL_OUTBOUND": f"127.0.0.1:{outbound}",
             "SWITCHCTL_SWITCH_HTTP": f"127.0.0.1:{switch_http}",
             "SWITCHCTL_ESL": f"127.0.0.1:{switch.port}",
             "SWITCHCTL_MEDIA": str(media), "SWITCHCTL_SWITCH_MEDIA": str(media)}
    if args.monitor:
        extra.update(GEVENT_MONITOR_THREAD_ENABLE="true", GEVENT_MAX_BLOCKING_TIME="0.01")
    server = gevent.get_hub().threadpool.apply(
        start_serve, (data, f"127.0.0.1:{free_port()}"), extra)
    gevent.spawn(keep_log, server.stderr, args.serve_log)  # a full pipe would stall it
    try:
        if not switch.subscribed.wait(timeout=20):
            sys.exit("switchctl serve never connected to the fake switch")
        phases(args, data, media, outbound, switch_http, server.pid, switch)
    finally:
        server.terminate()
        server.wait(timeout=10)
        switch.stop()


def keep_log(stream, path):
    if not path:
        _drain(stream)
        return
    from gevent.os import tp_read

    with open(path, "wb") as log:
        while chunk := tp_read(stream.fileno(), 65536):
            log.write(chunk)
            log.flush()


def phases(args, data, media, outbound, switch_http, pid, switch):
    numbers = [str(FIRST + n) for n in range(args.calls)]
    leaving = [routed(switch_http, caller=numbers[(n + 1) % len(numbers)], dialled=number,
                      context="outcome", originate_disposition="NO_ANSWER",
                      switchctl_path=number) for n, number in enumerate(numbers)]
    audio = wav(MESSAGE_SECONDS)
    print(f"switchctl serve: pid {pid}; {args.calls} calls per phase, connecting "
          + (f"over {args.ramp_ms:.0f} ms" if args.ramp_ms else "at once") + "; each application "
          + (f"lasting up to {args.hold_ms:.0f} ms" if args.hold_ms else "completed at once"))
    print(f"{'phase':<8} {'waits':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8} "
          f"{'completed':>10}  server memory (RSS / peak)   own loop lag p99")
    db = open_database(f"sqlite:///{data}/switchctl.sqlite3")
    phase("leave", args, outbound, leaving, lambda: {"recordings": [FakeRecording(audio)]},
          lambda fake: left_message(db, media, fake, audio), pid, switch)
    try:
        listening = [routed(switch_http, caller=number, dialled="*61#") for number in numbers]
    except RuntimeError as missing:  # the mailbox menu is not in this tree yet
        print(f"listen   PENDING, not run: {missing}")
        return
    phase("listen", args, outbound, listening, lambda: {"digits": list(LISTEN_KEYS)},
          lambda fake: heard_message(db, media, fake), pid, switch)


def routed(port, caller, dialled, **request):
    """The channel variables serve's dialplan sets for this call before handing it to a
    flow (its multiset), as the switch would have them when it connects."""
    answer = exchange(port, post(call(caller, dialled, domain_name=DOMAIN, **request)))
    head, _, body = answer.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(f"dialplan for {caller} -> {dialled}: {head[:80]!r}")
    steps = actions(etree.fromstring(body))
    sets = [data for application, data in steps if application == "multiset"]
    if not sets or steps[-1][0] != "socket":
        raise RuntimeError(f"{caller} -> {dialled} does not reach a call flow: {steps}")
    channel = dict(item.split("=", 1) for item in sets[-1].split())
    return {"domain_name": DOMAIN, "user_name": caller, **channel}


def phase(name, args, port, channels, options, completed, pid, switch):
    """Place one call per channel; print the waits, how many completed, and how many
    lamp notices (MESSAGE_WAITING) reached the switch meanwhile."""
    pick = random.Random(name).uniform
    calls = [TimedCall(port, channel, hold=lambda: pick(0, args.hold_ms) / 1000, **options())
             for channel in channels]
    lags, stop = [], gevent.event.Event()
    prober = gevent.spawn(loop_lag, lags, stop)
    started, used, lamps = time.perf_counter(), cpu_seconds(pid), lamp_notices(switch)
    workers = [gevent.spawn_later(n * args.ramp_ms / 1000 / len(calls), fake.run)
               for n, fake in enumerate(calls)]
    gevent.joinall(workers, timeout=PHASE_TIMEOUT)
    elapsed, used = time.perf_counter() - started, cpu_seconds(pid) - used
    lamps = lamp_notices(switch) - lamps
    stop.set()
    prober.join()
    gevent.killall([worker for worker in workers if not worker.dead], timeout=5)
    done = sum(fake.done.is_set() and completed(fake) for fake in calls)
    waits = [wait for fake in calls for wait in fake.waits]
    rss, peak = memory(pid)
    lag = quantiles(lags)[98]
    seconds = sorted(wait for wait, _ in waits)
    cuts = quantiles(seconds)
    print(f"{name:<8} {len(seconds):6d} {cuts[49] * 1000:8.2f} {cuts[98] * 1000:8.2f} "
          f"{seconds[-1] * 1000 if seconds else 0:8.2f} {done:4d} of {len(calls):<4d}  "
          f"{rss} / {peak}   {lag * 1000:.2f} ms")
    by_step(waits)
    print(f"  ({elapsed:.1f} s; serve used {used:.1f} s of CPU, "
          f"{used / max(1, len(seconds)) * 1000:.2f} ms per command; {lamps} lamp notices)")


def lamp_notices(switch):
    return sum(command.startswith("sendevent MESSAGE_WAITING") for command in switch.commands)


def by_step(waits):
    """The waits grouped by what the switch had just answered, in the calls' order."""
    groups = collections.defaultdict(list)
    for wait, answered in waits:
        groups[answered].append(wait)
    for (number, name), seconds in sorted(groups.items()):
        cuts = quantiles(seconds)
        mark = "  over target" if cuts[98] * 1000 > TARGET_MS else ""
        label = f"{number:2d}. {name}" if number else name
        print(f"  after {label:<22} {len(seconds):4d} {cuts[49] * 1000:8.2f} "
              f"{cuts[98] * 1000:8.2f} {max(seconds) * 1000:8.2f}{mark}")


def quantiles(values):
    if len(values) > 1:
        return statistics.quantiles(values, n=100, method="inclusive")
    return [values[0] if values else 0] * 99


def cpu_seconds(pid):
    """User and system CPU time the process has used."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loop_lag(lags, stop, every=0.005):
    """How late this process's own loop wakes a greenlet: its part in every wait."""
    while not stop.is_set():
        started = time.perf_counter()
        gevent.sleep(every)
        lags.append(max(0.0, time.perf_counter() - started - every))


def left_message(db, media, fake, audio):
    """The call ended normally and its mailbox holds one message with the WAV it said."""
    if fake.executed[-1:] != [("hangup", "NORMAL_CLEARING")]:
        return False
    with db.connection_context():
        messages = list(VoicemailMessage.select().join(Extension).where(
            Extension.number == fake.variables[variables.MAILBOX]))
    return (len(messages) == 1 and messages[0].duration == MESSAGE_SECONDS
            and (media / messages[0].path).is_file()
            and (media / messages[0].path).read_bytes() == audio)


def heard_message(db, media, fake):
    """The owner heard the message's own file, it is marked read, the call ended."""
    if fake.executed[-1:] != [("hangup", "NORMAL_CLEARING")]:
        return False
    with db.connection_context():
        messages = list(VoicemailMessage.select().join(Extension).where(
            Extension.id == int(fake.variables[variables.MAILBOX_MENU_CALLER])))
    return (len(messages) == 1 and messages[0].read
            and ("playback", str(media / messages[0].path)) in fake.executed)


if __name__ == "__main__":
    main()
