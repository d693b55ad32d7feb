"""Opening the one database every part of switchctl shares, and surviving its outages."""

from pathlib import Path
from urllib.parse import urlsplit

import peewee
from playhouse.db_url import connect

from switchctl.models.base import database

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    # Lookups hit random rows: read pages through a memory map and keep more cached.
    ("mmap_size", 256 * 1024 * 1024),
    ("cache_size", -16000),
    # Short on purpose: under gevent a waiting writer blocks the whole hub.
    ("busy_timeout", 1000),
)


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
        db = connect(url, pragmas=SQLITE_PRAGMAS, thread_safe=False)
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
