import logging

import pytest

from switchctl import config as config_module
from switchctl import schema
from switchctl.db import open_database
from switchctl.services.domains import ensure_domain
from switchctl.services.extensions import add_extension
from switchctl.xml_curl.app import create_app
from tests.builders.captures import FS_DOMAIN


def pytest_generate_tests(metafunc):
    """Tests marked ``both_databases`` run once on SQLite and once on PostgreSQL (those
    also marked ``sqlite_only`` on SQLite alone)."""
    marked = metafunc.definition.get_closest_marker
    if marked("both_databases") and not marked("sqlite_only") and \
            "config" in metafunc.fixturenames:
        metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True)


INTEGRATION = "tests/integration/"


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under xdist (``-n``, ``--dist loadgroup``) the integration tier runs in one worker, in
    order: its tests share one FreeSWITCH, started once by that worker. First: xdist's own
    hook reads the group (into the node id) as it runs, and one after it would add the
    marker too late (each worker then ran some of the tier on a switch of its own)."""
    for item in items:
        if item.nodeid.startswith(INTEGRATION):
            item.add_marker(pytest.mark.xdist_group("freeswitch"))


@pytest.fixture(autouse=True)
def logging_as_it_was():
    """A command run in-process (cli.main) sets the root logger's handler on the standard
    error of that moment: a capture that is closed once its test ends. Put the root
    logger back, so a later test's log records do not fail to write (and print so)."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def backend(request):
    return getattr(request, "param", "sqlite")


@pytest.fixture(scope="session")
def postgres():
    """A private PostgreSQL server for this test session (skips when none can run)."""
    from tests.servers.postgres import PostgresServer

    server = PostgresServer()
    if server.missing:
        pytest.skip(server.missing)
    yield server.start()
    server.stop()


@pytest.fixture
def config(tmp_path, backend, request):
    environ = {"SWITCHCTL_DATA": str(tmp_path / "data"), "SWITCHCTL_SECRET_KEY": "test-secret"}
    if backend == "postgres":
        server = request.getfixturevalue("postgres")
        server.empty()
        environ["SWITCHCTL_DATABASE"] = server.url
    return config_module.load(environ)


@pytest.fixture
def db(config):
    database = open_database(config.database)
    with database.connection_context():
        schema.upgrade(database)
    yield database
    database.close()


@pytest.fixture
def domain(db, config):
    with db.connection_context():
        return ensure_domain(config.domain)


@pytest.fixture
def capture_domain(db):
    """The domain the captures were made with (FreeSWITCH's default: its own IP)."""
    with db.connection_context():
        return ensure_domain(FS_DOMAIN)


@pytest.fixture
def office(db, domain):
    """101 Alice and 102 Bob (Sales), 103 a lobby phone that may not call out, 105 Eve."""
    with db.connection_context():
        add_extension(domain, "101", "Alice", "Passw0rd101", department="Sales")
        add_extension(domain, "102", "Bob", "Passw0rd102", department="Sales")
        restricted, _ = add_extension(domain, "103", "Lobby phone", "Passw0rd103")
        restricted.outbound_allowed = False
        restricted.save()
        add_extension(domain, "105", "Eve", "Passw0rd105")
    return domain


@pytest.fixture
def client(config, db):
    return create_app(config).test_client()


@pytest.fixture
def app(config, office):
    """The portal app, open to the office's extensions (a module may define its own)."""
    from switchctl import portal
    from tests.clients.portal import open_portal

    open_portal(office)
    return portal.create_app(config)


@pytest.fixture
def quick_hashes(monkeypatch):
    """Account passwords hashed the quick way (tests/clients/portal.QUICK_HASH) by the
    services, for the modules that are not about logging in (``usefixtures``)."""
    from switchctl.services import accounts, logins
    from tests.clients.portal import quick_hash

    monkeypatch.setattr(accounts, "hash_account_password", quick_hash)
    monkeypatch.setattr(logins, "hash_account_password", quick_hash)
    monkeypatch.setattr(logins, "_dummy", [])  # an unknown name's check: quick here only


@pytest.fixture
def admin(app):
    """A test client of ``app`` logged in as its admin boss, asking for English."""
    from tests.clients.portal import ADMIN, signed_in

    return signed_in(app, *ADMIN)


@pytest.fixture
def command(config, office, monkeypatch, capsys):
    """``switchctl ARGS`` in this process on the office: ARGS -> (code, stdout, stderr)."""
    from tests.clients.cli import in_process

    return in_process(config, monkeypatch, capsys)


@pytest.fixture
def run(command):
    """``switchctl ARGS`` in this process on the office, expected to exit ``code`` (0
    unless told): its standard output; failing, its one error line without the prefix."""
    def switchctl(*argv, code=0):
        exit_code, out, err = command(*argv)
        assert exit_code == code, (out, err)
        if code:
            (line,) = err.strip().splitlines()
            assert line.startswith("switchctl: error: ")
            return line.removeprefix("switchctl: error: ")
        return out
    return switchctl


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium for the module's tests (tests/clients/browser.chromium)."""
    from tests.clients.browser import chromium

    driver = chromium()
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """One ``switchctl serve`` of the demo office for the module's tests
    (tests/servers/live_office: a fake switch, the contact ACME Sales, the admin boss)."""
    from tests.servers.live_office import live_office

    with live_office(tmp_path_factory.mktemp("office")) as running:
        yield running


@pytest.fixture
def live_view(tmp_path, db):
    """A LiveView following a fake switch (no registrations, no channels); yields both."""
    import gevent

    from switchctl.service import build_live
    from tests.fakes.fake_switch import FakeSwitch

    empty = '{"row_count":0}'
    switch = FakeSwitch(answers={"show registrations as json": empty,
                                 "show channels as json": empty}).start()
    settings = config_module.load({"SWITCHCTL_DATA": str(tmp_path),
                                   "SWITCHCTL_ESL": f"127.0.0.1:{switch.port}"})
    view = build_live(settings)
    view.listener.retry = 0.05
    runner = gevent.spawn(view.listener.run)
    assert view.listener.resynchronised.wait(timeout=5)  # the connect hooks too
    yield view, switch
    view.listener.stop()
    switch.stop()
    runner.join(timeout=5)
