import sqlite3

import peewee
import pytest

from switchctl import schema
from switchctl.db import open_database
from switchctl.models import (ALL_MODELS, DialerCredential, Extension, FaxAttempt, FaxJob,
                              FaxNumber, LoginFailure,
                              PortalSession, VoicemailEmail, VoicemailGreeting,
                              VoicemailMessage, WakeupAttempt, WakeupCall)
from tests.builders.captures import DATA

pytestmark = pytest.mark.both_databases

V1_SNAPSHOT = DATA.parent / "schema_v1.sql"
# Tables the migrations create, and tables they add columns to (how many, at the end).
ADDED_SINCE_V1 = (PortalSession, VoicemailGreeting, VoicemailEmail, WakeupAttempt,
                  LoginFailure, DialerCredential, FaxAttempt, FaxNumber)
# (voicemail_email, made by v5, gains fax_id in v10.)
CHANGED_SINCE_V1 = {Extension: 4, VoicemailMessage: 1, WakeupCall: 4, FaxJob: 11,
                    VoicemailEmail: 1}
V1_MODELS = [m for m in ALL_MODELS if m not in ADDED_SINCE_V1]


def table_counts(db):
    return {m._meta.table_name: m.select().count() for m in V1_MODELS}


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
        assert all(db.table_exists(m._meta.table_name) for m in ADDED_SINCE_V1)
        assert PortalSession.select().count() == 0
    for table, rows in before.items():
        after = rows_of(path, table)
        added = {m._meta.table_name: n for m, n in CHANGED_SINCE_V1.items()}.get(table)
        if added:
            after = [row[:-added] for row in after]  # the new columns come last
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


def shape(db, table):
    """What a table is made of: its columns, indexes and foreign keys."""
    columns = sorted((c.name, c.data_type.upper(), c.null, c.primary_key)
                     for c in db.get_columns(table))
    indexes = sorted((tuple(i.columns), i.unique) for i in db.get_indexes(table))
    keys = sorted((k.column, k.dest_table, k.dest_column) for k in db.get_foreign_keys(table))
    statements = sorted(row[0] for row in db.execute_sql(  # ON DELETE and all (SQLite)
        "SELECT sql FROM sqlite_master WHERE tbl_name = ?", (table,)))
    return columns, indexes, keys, statements


def shapes_of(url):
    db = open_database(url)
    with db.connection_context():
        if not schema.database_version(db):
            schema.upgrade(db)
        found = {m._meta.table_name: shape(db, m._meta.table_name) for m in ADDED_SINCE_V1}
        # An added column's SQL text differs (ALTER TABLE); what the table is made of may not.
        found.update({m._meta.table_name: shape(db, m._meta.table_name)[:3]
                      for m in CHANGED_SINCE_V1})
    db.close()
    return found


def upgraded_v1(tmp_path):
    """The populated version 1 snapshot, upgraded: its database, open (close it)."""
    path = tmp_path / "v1.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V1_SNAPSHOT.read_text())
    con.close()
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():
        schema.upgrade(db)
    return db


def test_tables_a_migration_adds_are_those_a_new_database_gets(tmp_path):
    upgraded_v1(tmp_path).close()
    assert shapes_of(f"sqlite:///{tmp_path / 'v1.sqlite3'}") == \
        shapes_of(f"sqlite:///{tmp_path / 'new.sqlite3'}")


def test_a_session_opens_on_an_upgraded_database_and_goes_with_its_extension(tmp_path):
    from switchctl.services.domains import find_domain, set_portal_enabled
    from switchctl.services.extensions import (find_extension, remove_extension, set_password,
                                               set_portal_access)
    from switchctl.services.logins import authenticate, load_principal, open_session

    db = upgraded_v1(tmp_path)
    with db.connection_context():
        domain = find_domain("pbx.local")
        set_portal_enabled(domain, True)
        set_portal_access(domain, ["102"], True)
        set_password(find_extension(domain, "102"), "Passw0rd102")
        opened = open_session(authenticate("key", "pbx.local", "102", "Passw0rd102"))
        assert load_principal("key", opened.session_id) == opened
        remove_extension(domain, "102")
        assert PortalSession.select().count() == 0
    db.close()


def test_v11_keeps_the_first_of_a_received_call_logged_twice_and_then_refuses_a_repeat(
        tmp_path, monkeypatch):
    path = tmp_path / "v1.sqlite3"
    con = sqlite3.connect(path)
    con.executescript(V1_SNAPSHOT.read_text())
    con.close()
    monkeypatch.delitem(schema.MIGRATIONS, 11)
    db = open_database(f"sqlite:///{path}")
    with db.connection_context():
        schema.upgrade(db)  # to v10, where a race could log one received call twice
        extension = Extension.select().first()
        made = [FaxJob.create(domain=extension.domain_id, extension=extension, destination="",
                              original_path="", direction=direction, call_uuid=call)
                for direction, call in (("received", "call-1"), ("received", "call-1"),
                                        ("received", "call-2"), ("sent", ""), ("sent", ""))]
        for job in made[:2]:  # each told its owner by email
            VoicemailEmail.create(fax=job.id, recipient="bob@example.com")
        monkeypatch.undo()
        assert schema.upgrade(db) == (10, 11)
        assert [job.id for job in FaxJob.select().order_by(FaxJob.id)] == \
            [made[0].id, *(job.id for job in made[2:])]
        assert [email.fax_id for email in VoicemailEmail.select()] == [made[0].id]
        FaxJob.create(domain=extension.domain_id, extension=extension, destination="",
                      original_path="", direction="sent", call_uuid="call-1")  # a sent try
        with pytest.raises(peewee.IntegrityError), db.atomic():
            FaxJob.create(domain=extension.domain_id, extension=extension, destination="",
                          original_path="", direction="received", call_uuid="call-2")
    db.close()
