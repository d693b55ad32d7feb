"""Compiled lookups (services/prepared.py) follow the database in use."""

import gc

import peewee

from switchctl.models import Domain
from switchctl.models.base import database
from switchctl.services.prepared import Prepared

BY_NAME = Prepared(lambda name: Domain.select(Domain.name).where(Domain.name == name), 1)


def test_a_lookup_compiled_for_another_database_is_compiled_again(db, domain):
    """A PostgreSQL database compiled the lookup (%s markers); on the SQLite one in use now
    the lookup runs with SQLite's markers. (The cache once went by id(): under xdist a new
    database took a closed one's id and got its SQL; that reuse is not forced here.)"""
    sqlite = database.obj
    database.initialize(peewee.PostgresqlDatabase("never-connected"))
    sql, _ = BY_NAME._compiled()
    assert "%s" in sql
    database.initialize(sqlite)
    gc.collect()
    assert [row.name for row in BY_NAME.rows(domain.name)] == [domain.name]
    assert [row.name for row in BY_NAME.rows("elsewhere.example")] == []
