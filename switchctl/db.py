"""Opening the one database every part of switchctl shares."""

from pathlib import Path
from urllib.parse import urlsplit

from playhouse.db_url import connect

from switchctl.models.base import database

SQLITE_PRAGMAS = (
    ("journal_mode", "wal"),
    ("foreign_keys", 1),
    ("synchronous", "normal"),
    # Short on purpose: under gevent a waiting writer blocks the whole hub.
    ("busy_timeout", 1000),
)


class DatabaseURLError(ValueError):
    """The database URL names no database we can open."""


def open_database(url):
    """Connect the model proxy to the database at ``url`` and return it."""
    scheme = urlsplit(url).scheme
    if scheme.startswith("sqlite"):
        _make_parent(url)
        db = connect(url, pragmas=SQLITE_PRAGMAS)
    elif scheme.startswith(("postgres", "postgresql")):
        db = connect(url, connect_timeout=3, autorollback=True)
    else:
        raise DatabaseURLError(f"unsupported database URL scheme {scheme!r} (sqlite or postgresql)")
    database.initialize(db)
    return db


def _make_parent(url):
    path = urlsplit(url).path[1:]  # sqlite:///rel/file or sqlite:////abs/file
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
