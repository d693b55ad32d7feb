"""The portal's pages at scale: each page's server time over 1,000,000 call records and
10,000 contacts.

Fills a fresh database (an SQLite file, or with ``--postgres`` a private PostgreSQL server
started for the run) with 200 extensions, 1,000,000 call records over a year
(call_records_bench.populate), 10,000 contacts (a fifth shared, the rest private to the
extensions), 20 voicemail messages and 20 recordings per extension, then asks the portal
(the real Flask app, in this process: server time, no network) for every page a person
opens, as extension users chosen at random (and as an admin for the admin pages):
lists, searches, deep pages. Prints p50/p95/max in ms per page, and the process's peak
memory.

    python benchmarks/portal_pages_bench.py [--records N] [--contacts N] [--samples N]
                                            [--postgres]
"""

import argparse
import datetime
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from flask import url_for  # noqa: E402

from call_records_bench import YEAR_START, bench_database, populate  # noqa: E402
from switchctl import config as config_module  # noqa: E402
from switchctl import schema  # noqa: E402
from switchctl.db import open_database  # noqa: E402
from switchctl.models import Contact, Extension, Recording, VoicemailMessage  # noqa: E402
from switchctl.portal import create_app  # noqa: E402
from switchctl.services.domains import ensure_domain, set_portal_enabled  # noqa: E402
from switchctl.services.logins import add_account  # noqa: E402
from switchctl.services.numbers import digits_key  # noqa: E402
from tests.clients.portal import log_in  # noqa: E402

USERS = 24  # extension users logged in for the run (each request picks one at random)
ADMIN = ("boss", "AdminPassw0rd")


def main():
    args = parse_args()
    with bench_database(args.postgres) as (data, url):
        print(f"database: {'PostgreSQL (private server)' if args.postgres else 'SQLite file'}")
        db = open_database(url)
        schema.upgrade(db)
        domain = ensure_domain("pbx.local")
        ids = populate(db, domain, args.records)
        fill_the_rest(db, domain, ids, args.contacts)
        config = config_module.load({"SWITCHCTL_DATA": str(data), "SWITCHCTL_DATABASE": url,
                                     "SWITCHCTL_SECRET_KEY": "bench-secret"})
        app = create_app(config)
        report_pages(app, domain, ids, args.samples)
        db.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of the process: {peak:.0f} MB")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--samples", type=int, default=60, help="requests per page")
    parser.add_argument("--postgres", action="store_true",
                        help="run on a private PostgreSQL server instead of SQLite")
    return parser.parse_args()


def fill_the_rest(db, domain, ids, contacts):
    rng = random.Random(5)
    extension_ids = list(ids.values())
    started = time.perf_counter()
    with db.atomic():
        Extension.update(portal_enabled=True).execute()
        set_portal_enabled(domain, True)
        add_account(domain, ADMIN[0], "admin", ADMIN[1])
        rows = []
        for index in range(contacts):
            phone = f"139{rng.randrange(10**7, 10**8)}"
            rows.append({"domain": domain.id, "name": f"Contact {index:05d}", "phone": phone,
                         "phone_key": digits_key(phone), "company": f"Company {index % 300}",
                         "owner": None if index % 5 == 0 else rng.choice(extension_ids)})
        for chunk in range(0, len(rows), 500):
            Contact.insert_many(rows[chunk:chunk + 500]).execute()
        messages, recordings = [], []
        for extension_id in extension_ids:
            for index in range(20):
                at = YEAR_START + datetime.timedelta(days=index, hours=extension_id % 24)
                messages.append({"domain": domain.id, "mailbox": extension_id,
                                 "uid": f"bench-{extension_id}-{index}",
                                 "caller_number": f"138{index:08d}", "received": at,
                                 "duration": 12, "path": f"bench/{extension_id}-{index}.wav",
                                 "read": index % 3 == 0})
                recordings.append({"domain": domain.id, "extension": extension_id,
                                   "call_uuid": f"bench-{extension_id * 20 + index}",
                                   "path": f"bench/rec-{extension_id}-{index}.wav",
                                   "started": at, "duration": 60})
        for chunk in range(0, len(messages), 500):
            VoicemailMessage.insert_many(messages[chunk:chunk + 500]).execute()
            Recording.insert_many(recordings[chunk:chunk + 500]).execute()
    print(f"inserted {contacts} contacts, {len(messages)} voicemail messages and "
          f"{len(recordings)} recordings in {time.perf_counter() - started:.1f} s")


def pages(rng, ids):
    """(name, role, endpoint, query) of every page; the query is made fresh per request."""
    numbers = list(ids)
    day = (YEAR_START + datetime.timedelta(days=rng.randrange(300))).date().isoformat()
    return [
        ("extension list", "e", "extensions.index", {}),
        ("contacts", "e", "contacts.index", {}),
        ("contacts, page 5", "e", "contacts.index", {"page": 5}),
        ("contacts, search by name", "e", "contacts.index", {"q": f"Contact 0{rng.randrange(10)}"}),
        ("contacts, search by number", "e", "contacts.index", {"q": f"139{rng.randrange(10, 99)}"}),
        ("call records", "e", "call_records.index", {}),
        ("call records, page 20", "e", "call_records.index", {"page": 20}),
        ("call records, one day", "e", "call_records.index", {"start": day, "end": day}),
        ("call records, other number", "e", "call_records.index",
         {"number": rng.choice(numbers)}),
        ("call records, combined", "e", "call_records.index",
         {"start": day, "end": day, "number": rng.choice(numbers), "kind": "internal"}),
        ("voicemail", "e", "voicemail.index", {}),
        ("recordings", "e", "recordings.index", {}),
        ("call forwarding", "e", "forwarding.index", {}),
        ("feature codes", "e", "feature_codes.index", {}),
        ("settings", "e", "settings.index", {}),
        ("contacts (admin: all 10,000)", "a", "contacts.index", {}),
        ("contacts (admin), page 50", "a", "contacts.index", {"page": 50}),
        ("manage extensions", "a", "extensions.manage", {}),
        ("departments", "a", "departments.index", {}),
        ("conference rooms", "a", "conferences.index", {}),
        ("queues", "a", "queues.index", {}),
        ("code overrides", "a", "feature_codes.overrides", {}),
        ("blacklist", "a", "blacklist.index", {}),
        ("outbound routes", "a", "outbound_routes.index", {}),
        ("portal accounts", "a", "accounts.index", {}),
    ]


def report_pages(app, domain, ids, samples):
    rng = random.Random(13)
    users = []
    for number in rng.sample(sorted(ids), USERS):
        client = app.test_client()
        answer = log_in(client, number, f"Pass{number}word")
        assert answer.status_code == 302, f"{number} could not log in"
        users.append(client)
    admin = app.test_client()
    assert log_in(admin, *ADMIN).status_code == 302, "the admin could not log in"
    names = [page[0] for page in pages(rng, ids)]
    times = {name: [] for name in names}
    skipped = set()
    for _ in range(samples):
        for name, role, endpoint, query in pages(rng, ids):
            if endpoint not in app.view_functions:
                skipped.add(name)
                continue
            with app.test_request_context():
                path = url_for(endpoint, **query)
            client = admin if role == "a" else rng.choice(users)
            started = time.perf_counter()
            answer = client.get(path)
            answer.get_data()
            times[name].append((time.perf_counter() - started) * 1000)
            assert answer.status_code == 200, f"{path}: {answer.status_code}"
    print(f"server time per page ({samples} requests each, ms):")
    for name in names:
        if name in skipped:
            print(f"  {name:34} (no such page yet)")
        else:
            cuts = statistics.quantiles(times[name], n=100, method="inclusive")
            print(f"  {name:34} p50 {cuts[49]:6.1f}  p95 {cuts[94]:6.1f}  "
                  f"max {max(times[name]):6.1f}")


if __name__ == "__main__":
    main()
