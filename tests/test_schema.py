import sqlite3

import peewee
import pytest

from switchctl import schema
from switchctl.db import open_database
from switchctl.models import ALL_MODELS, Extension
from tests.captures import DATA

pytestmark = pytest.mark.both_databases

V1_SNAPSHOT = DATA.parent / "schema_v1.sql"


def table_counts(db):
    return {m._meta.table_name: m.select().count() for m in ALL_MODELS}


def rows_of(path, table):
    con = sqlite3.connect(path)
    try:
        return con.execute(f'SELECT * FROM "{table}" ORDER BY id').fetchall()  # noqa: S608
    finally:
        con.close()


def test_new_database_is_created_at_the_current_version(db):
    with db.connection_context():
        assert schema.database_version(db) == schema.current_version() >= 2
        assert all(db.table_exists(m._meta.table_name) for m in ALL_MODELS)


def test_upgrade_is_idempotent(db):
    with db.connection_context():
        version = schema.current_version()
        assert schema.upgrade(db) == (version, version)


def test_populated_version_1_database_upgrades_without_loss(tmp_path):
    path = tmp_path / "v1.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V1_SNAPSHOT.read_text())
    con.close()
    before = {t: rows_of(path, t) for t in ("extension", "contact", "call_record",
                                            "voicemail_message", "forward_rule")}
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():
        counts_before = table_counts(db)
        assert schema.upgrade(db) == (1, schema.current_version())
        assert table_counts(db) == counts_before
        assert sum(counts_before.values()) >= 15
        assert [e.outbound_caller_id for e in Extension.select()] == ["", ""]
    for table, rows in before.items():
        after = rows_of(path, table)
        if table == "extension":
            after = [row[:-1] for row in after]  # the new column comes last
        assert after == rows, table
    db.close()


def test_a_newer_database_is_refused(db):
    with db.connection_context():
        schema.SchemaVersion.create(version=schema.current_version() + 1)
        with pytest.raises(schema.SchemaError, match="newer"):
            schema.upgrade(db)


def test_unversioned_tables_are_not_guessed_at(tmp_path):
    db = open_database(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with db.connection_context():
        db.execute_sql('CREATE TABLE "extension" (id INTEGER PRIMARY KEY)')
        with pytest.raises(schema.SchemaError, match="no schema version"):
            schema.upgrade(db)


def test_a_failing_migration_leaves_the_database_as_it_was(tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V1_SNAPSHOT.read_text())
    con.close()

    def broken(migrator):
        raise peewee.OperationalError("disk on fire")

    monkeypatch.setitem(schema.MIGRATIONS, schema.current_version() + 1, broken)
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():
        with pytest.raises(peewee.OperationalError):
            schema.upgrade(db)
        assert schema.database_version(db) == 1
        columns = [c.name for c in db.get_columns("extension")]
        assert "outbound_caller_id" not in columns
