"""The portal's login throttle lives in the database: switchctl instances on one database
share it, a restart keeps it, concurrent guesses through two processes stay within the
limit, and expired failures are swept a batch at a time."""

import concurrent.futures

import pytest
import requests

from switchctl import portal
from switchctl.models import LoginFailure
from switchctl.portal.throttle import NAME_LIMIT, SWEEP_BATCH, WINDOW, LoginThrottle
from tests.builders.database import outage
from tests.clients.cli import free_tcp_port, start_serve
from tests.clients.portal import csrf_token, log_in, open_portal, page_error

pytestmark = pytest.mark.both_databases


@pytest.fixture
def opened(config, office):
    open_portal(office)
    return config


def test_failures_through_one_instance_lock_the_name_on_another(opened):
    first, second = (portal.create_app(opened).test_client() for _ in range(2))
    for _ in range(NAME_LIMIT):
        assert log_in(first, "101", "wrong-password").status_code == 401
    locked = log_in(second, "101", "Passw0rd101")
    assert locked.status_code == 429
    assert "Too many failed logins" in page_error(locked.get_data(as_text=True))
    assert log_in(second, "102", "Passw0rd102").status_code == 302  # only that name


def test_a_restart_keeps_the_lock(opened, db):
    before = portal.create_app(opened).test_client()
    for _ in range(NAME_LIMIT):
        assert log_in(before, "boss", "wrong-password").status_code == 401
    del before
    db.close()  # the process's connection goes with it
    after = portal.create_app(opened).test_client()
    assert log_in(after, "boss", "AdminPassw0rd").status_code == 429


def test_a_success_through_one_instance_clears_the_name_on_the_other(opened):
    first, second = (portal.create_app(opened).test_client() for _ in range(2))
    for _ in range(NAME_LIMIT - 1):
        assert log_in(first, "101", "wrong-password").status_code == 401
    assert log_in(second, "101", "Passw0rd101").status_code == 302
    for _ in range(NAME_LIMIT):  # the earlier failures were forgotten
        assert log_in(first, "101", "wrong-password").status_code == 401
    assert log_in(first, "101", "wrong-password").status_code == 429


def serve_twice(tmp_path, config):
    """Two ``switchctl serve`` processes on the test's database; their portal addresses."""
    servers, bases = [], []
    try:
        for n in range(2):
            base = f"127.0.0.1:{free_tcp_port()}"
            servers.append(start_serve(tmp_path / f"serve{n}", base,
                                       SWITCHCTL_DATABASE=config.database))
            bases.append(f"http://{base}")
    except BaseException:
        stop(servers)
        raise
    return servers, bases


def stop(servers):
    for server in servers:
        server.kill()
        server.wait()
        server.stderr.close()


def test_forty_guesses_at_once_through_two_processes_check_no_more_than_the_limit(
        tmp_path, opened, db):
    db.close()  # the servers' database, not held by this process
    servers, bases = serve_twice(tmp_path, opened)
    sessions = [requests.Session() for _ in range(40)]
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=40)
    try:
        forms = [(base, {"username": "boss", "password": f"wrong-password-{n}",
                         "csrf_token": csrf_token(session.get(f"{base}/login", timeout=10).text)})
                 for n, (session, base) in enumerate(zip(sessions, bases * 20))]

        def post(session, base, form):
            return session.post(f"{base}/login", data=form, allow_redirects=False,
                                timeout=60).status_code

        answers = list(pool.map(post, sessions, *zip(*forms)))
        assert sorted(answers) == [401] * NAME_LIMIT + [429] * (40 - NAME_LIMIT)
        for base in bases:  # the right password too waits, on either process
            session = requests.Session()
            form = {"username": "boss", "password": "AdminPassw0rd",
                    "csrf_token": csrf_token(session.get(f"{base}/login", timeout=10).text)}
            assert session.post(f"{base}/login", data=form, allow_redirects=False,
                                timeout=10).status_code == 429
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        stop(servers)


def test_expired_failures_are_swept_a_batch_at_a_time(db):
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for n in range(40):
        throttle.failed(f"10.0.{n}.1", f"user{n}")
    assert LoginFailure.select().count() == 40 * 3
    now[0] += WINDOW  # a failure exactly WINDOW old no longer counts
    assert throttle.wait_seconds("10.0.0.1", "user0") == 0
    assert throttle.sweep() == SWEEP_BATCH
    throttle.failed("10.9.9.9", "new")  # each new failure sweeps a batch more
    assert LoginFailure.select().count() == 40 * 3 - 2 * SWEEP_BATCH + 3
    while throttle.sweep():
        pass
    assert sorted(f.at for f in LoginFailure.select()) == [now[0]] * 3


def test_a_lock_ends_after_the_window_and_says_how_long(db):
    now = [1000.0]
    throttle = LoginThrottle(clock=lambda: now[0])
    for _ in range(NAME_LIMIT):
        now[0] += 10
        assert throttle.reserve("10.0.0.1", "101") == 0
    # Locked until WINDOW after the oldest of the NAME_LIMIT failures (at 1010).
    assert throttle.reserve("10.0.0.1", "101") == 1010 + WINDOW - now[0] + 1
    assert LoginFailure.select().count() == NAME_LIMIT * 3  # a refusal counts nothing
    now[0] = 1010 + WINDOW
    assert throttle.reserve("10.0.0.1", "101") == 0


def test_nothing_typed_is_stored(opened, db):
    browser = portal.create_app(opened).test_client()
    log_in(browser, "MySecretPassw0rd", "wrong-password")
    assert LoginFailure.select().count() == 3
    for failure in LoginFailure.select():
        assert len(failure.key) == 64 and "secret" not in failure.key.lower()


def test_while_the_database_is_away_logins_are_refused_with_a_clear_page(opened, db):
    browser = portal.create_app(opened).test_client()
    form = {"username": "101", "password": "Passw0rd101",
            "csrf_token": csrf_token(browser.get("/login").get_data(as_text=True))}
    with outage(db):
        response = browser.post("/login", data=form)
    assert response.status_code == 503
    assert "database is not available" in response.get_data(as_text=True)
    assert browser.post("/login", data=form).status_code == 302  # nothing was counted
    assert LoginFailure.select().count() == 0
