"""Breaking the database on purpose, the same way on SQLite and PostgreSQL."""

import contextlib
from pathlib import Path

import peewee


def drop_table(db, name):
    """Drop table ``name`` (and on PostgreSQL what depends on it): a database failure."""
    cascade = " CASCADE" if isinstance(db, peewee.PostgresqlDatabase) else ""
    db.execute_sql(f'DROP TABLE "{name}"{cascade}')


@contextlib.contextmanager
def outage(db):
    """The database goes away for the block: SQLite's file cannot be opened; a
    PostgreSQL server drops our connection (as when it restarts)."""
    if isinstance(db, peewee.PostgresqlDatabase):
        import psycopg2

        pid = db.connection().get_backend_pid()
        admin = psycopg2.connect(**db.connect_params, database=db.database)
        try:
            admin.autocommit = True
            with admin.cursor() as cursor:
                cursor.execute("SELECT pg_terminate_backend(%s)", (pid,))
        finally:
            admin.close()
        yield
        return
    path = Path(db.database)
    db.close()
    path.rename(path.with_suffix(".away"))
    path.mkdir()  # where the file was: SQLite cannot open it
    try:
        yield
    finally:
        db.close()
        path.rmdir()
        path.with_suffix(".away").rename(path)


def refuse_inserts(db, table):
    """From now on every insert into ``table`` breaks a constraint that is not its unique
    keys (as a foreign key does when the row it names was removed meanwhile)."""
    if isinstance(db, peewee.PostgresqlDatabase):
        db.execute_sql("CREATE FUNCTION refuse_insert() RETURNS trigger LANGUAGE plpgsql AS "
                       "$$ BEGIN RAISE EXCEPTION 'refused' USING ERRCODE = "
                       "'foreign_key_violation'; END $$")
        db.execute_sql(f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}" FOR EACH ROW '
                       "EXECUTE FUNCTION refuse_insert()")
        return
    db.execute_sql(f'CREATE TRIGGER refuse BEFORE INSERT ON "{table}" '
                   "BEGIN SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed'); END")
