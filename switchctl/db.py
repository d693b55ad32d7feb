"""Opening the one database every part of switchctl shares, and surviving its outages."""

import logging
import os
import time
from pathlib import Path
from urllib.parse import urlsplit

import gevent
import peewee
from playhouse.db_url import connect, parse

from switchctl.models.base import database

log = logging.getLogger(__name__)
SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    # Lookups hit random rows: read pages through a memory map and keep more cached.
    ("mmap_size", 256 * 1024 * 1024),
    ("cache_size", -16000),
    # The longest one try may wait for another process's lock inside SQLite, where the
    # whole event loop waits with it; CooperativeSqlite tries again, sleeping in between.
    ("busy_timeout", 2),
)
# How long a write waits, in all, for another process's lock before it fails (the caller
# then answers its fallback: FreeSWITCH retries a CDR, a page says the database is busy).
BUSY_PATIENCE = 5.0
# How often a read checks that the open file is still the one at the path (a write, every
# time: os.stat costs a microsecond or two, a write far more).
IDENTITY_CHECK_SECONDS = 1.0


class CooperativeSqlite(peewee.SqliteDatabase):
    """SQLite that waits for another process's write lock without holding up the process.

    SQLite waits for a lock inside its C code, and every request of the process (the
    switch's lookups too) would wait with it. Here a try waits at most busy_timeout;
    a statement outside any transaction, or the BEGIN of one, that finds the database
    locked is tried again after a gevent sleep, until BUSY_PATIENCE. Transactions
    begin IMMEDIATE, taking the write lock at once, so no statement inside one can meet
    the lock later (where sleeping would let another request use the connection in the
    middle of the transaction)."""

    def __init__(self, database, **kwargs):
        super().__init__(database, lock_type="IMMEDIATE", **kwargs)
        self.file = FileIdentity(database)

    def _connect(self):
        self.file.before_opening()
        connection = super()._connect()
        self.file.opened()
        return connection

    def execute_sql(self, sql, params=None):
        if not self.is_closed():
            self.file.check(write=not sql.lstrip()[:6].upper() == "SELECT")
        if self.in_transaction():
            return super().execute_sql(sql, params)
        return _patiently(super().execute_sql, sql, params)

    def begin(self, lock_type=None):
        self.file.check(write=True)
        _patiently(super().begin, lock_type)


class FileIdentity:
    """Is the SQLite file a connection has open still the file at its path?

    Deleted (``rm``) or replaced (a restored backup moved into place), the open file lives
    on unseen: every write would be acknowledged and lost with it. So each write, and a
    read at most once a second, compares the file's identity (device and inode) with the
    path's; when they differ the statement fails (the edges answer their fallback:
    FreeSWITCH keeps its records) and the connection is dropped. The next one opens the
    file at the path, once there is one again: never a new empty database in its place."""

    def __init__(self, path):
        self.path = None if path in ("", ":memory:") or path.startswith("file:") else path
        self.identity = None  # of the file open now, or last
        self.checked = 0.0

    def before_opening(self):
        if self.path and self.identity is not None and not os.path.exists(self.path):
            raise peewee.OperationalError(f"the database file {self.path} is gone: not "
                                          f"opening a new empty one in its place")

    def opened(self):
        if self.path:
            self.identity = _file_identity(self.path)
            self.checked = time.monotonic()

    def check(self, write):
        if self.identity is None:
            return
        now = time.monotonic()
        if not write and now - self.checked < IDENTITY_CHECK_SECONDS:
            return
        self.checked = now
        found = _file_identity(self.path)
        if found == self.identity:
            return
        what = "deleted" if found is None else "replaced by another file"
        then = ("nothing is stored until a database file is there again" if found is None
                else "switching to the file now there")
        log.error("the database file %s was %s while open: %s", self.path, what, then)
        raise peewee.OperationalError(f"the database file {self.path} was {what} while open")


def _file_identity(path):
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _patiently(run, *args):
    deadline = time.monotonic() + BUSY_PATIENCE
    pause = 0.01
    while True:
        try:
            return run(*args)
        except peewee.OperationalError as exc:
            if "database is locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        gevent.sleep(pause)
        pause = min(pause * 2, 0.2)


class DatabaseURLError(ValueError):
    """The database URL names no database we can open."""


def open_database(url):
    """Point the model proxy at the database at ``url`` and return it.

    One connection serves the whole process (``thread_safe=False``): every part
    runs on one gevent hub, and no code yields to the hub while it holds a
    transaction open (no network I/O inside ``atomic()``), so requests never see
    each other's half-done work. Opening a connection, or taking one from a pool,
    per request would cost as much as the lookups FreeSWITCH waits for. The
    connection opens on first use and again after a failure (see ``reset``).
    """
    scheme = url.partition("://")[0]
    if scheme == "sqlite":
        _make_parent(url)
        db = CooperativeSqlite(parse(url)["database"], pragmas=SQLITE_PRAGMAS,
                               thread_safe=False)
    elif scheme in ("postgres", "postgresql"):
        db = connect(url, connect_timeout=3, thread_safe=False)
    else:
        raise DatabaseURLError(f"unsupported database URL scheme {scheme!r} (sqlite or postgresql)")
    database.initialize(db)
    return db


def reset(db):
    """Drop the connection after a database error; the next query opens a new one."""
    try:
        db.close()
    except peewee.PeeweeException:
        pass


def database_failed(error, log=None, what="", *args):
    """After a database error at an edge: drop the connection (the next query reconnects)
    and, with ``log``, log ``what % args`` with the error."""
    reset(database)
    if log is not None:
        log.error(f"{what}: database error (%s)", *args, error)


class database_guard:  # used as a statement, like contextlib.suppress
    """``with database_guard(log, what, *args) as failed:`` runs database work at an edge
    (a request, an event): a database error inside is survived (database_failed) and
    ``failed`` is true after the block, so the caller answers its fallback. ``log`` None:
    nothing is logged (a caller that says so itself)."""

    def __init__(self, log=None, what="", *args):
        self.log, self.what, self.args = log, what, args
        self.error = None

    def __bool__(self):
        return self.error is not None

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if not isinstance(error, peewee.PeeweeException):
            return False
        self.error = error
        database_failed(error, self.log, self.what, *self.args)
        return True


def _make_parent(url):
    path = urlsplit(url).path[1:]  # sqlite:///rel/file or sqlite:////abs/file
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)


def one_at_a_time(lock, timeout="2s"):
    """Called inside a transaction: what it reads and then writes runs in one process at a
    time. On PostgreSQL it waits (at most ``timeout``, a constant such as "2s") for the
    advisory lock ``lock`` (a number naming the work) and holds it to the transaction's end;
    SQLite's transactions take its one write lock first (IMMEDIATE) already."""
    if isinstance(database.obj, peewee.PostgresqlDatabase):
        database.execute_sql(f"SET LOCAL lock_timeout = '{timeout}'")
        database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (lock,))
