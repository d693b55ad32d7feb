"""Schema versions: create a new database, or upgrade a live one without losing rows.

Each migration is a function of a playhouse ``SchemaMigrator`` that turns version
``n - 1`` into version ``n``. Migrations define the fields they add themselves, so
they keep working when the models change later.
"""

import contextlib

import peewee
from playhouse.migrate import SchemaMigrator, migrate

from switchctl.models import ALL_MODELS
from switchctl.models.base import BaseModel, now


class SchemaError(RuntimeError):
    """The database cannot be brought to this program's schema version."""


class SchemaVersion(BaseModel):
    version = peewee.IntegerField()
    applied = peewee.DateTimeField(default=now)


MIGRATIONS = {}


def migration(version):
    def register(function):
        MIGRATIONS[version] = function
        return function
    return register


@migration(2)
def add_outbound_caller_id(migrator):
    """Extensions get their own caller ID number for calls out through the trunk."""
    migrate(migrator.add_column(
        "extension", "outbound_caller_id", peewee.CharField(max_length=24, default="")))


@migration(3)
def index_call_numbers(migrator):
    """Call-record searches by the other party's number, newest first."""
    migrate(
        migrator.add_index("call_record", ("domain_id", "caller_number", "start"), False),
        migrator.add_index("call_record", ("domain_id", "callee_number", "start"), False),
    )


@migration(4)
def add_portal_sessions(migrator):
    """Portal sessions are kept on the server, so that they can be ended there."""
    class PortalSessionV4(BaseModel):
        token_hash = peewee.CharField(max_length=64, unique=True)
        domain = peewee.ForeignKeyField(_existing("domain"), on_delete="CASCADE")
        extension = peewee.ForeignKeyField(_existing("extension"), null=True,
                                           on_delete="CASCADE")
        account = peewee.ForeignKeyField(_existing("portal_account"), null=True,
                                         on_delete="CASCADE")
        fingerprint = peewee.CharField(max_length=64)
        created = peewee.DateTimeField()
        last_seen = peewee.DateTimeField()

        class Meta:
            table_name = "portal_session"

    PortalSessionV4.create_table(safe=False)


@migration(5)
def add_voicemail_and_wakeup_flows(migrator):
    """The voicemail and wake-up call flows: message ids, greetings, the email outbox,
    wake-up claims and attempts; and the portal's failed logins (shared by processes)."""
    migrate(
        migrator.add_column("voicemail_message", "uid",
                            peewee.CharField(max_length=36, null=True)),
        migrator.add_index("voicemail_message", ("uid",), True),
        migrator.add_column("extension", "voicemail_delete_after_email",
                            peewee.BooleanField(default=False)),
        migrator.add_column("wakeup_call", "next_try", peewee.DateTimeField(null=True)),
        migrator.add_column("wakeup_call", "claimed_by",
                            peewee.CharField(max_length=64, default="")),
        migrator.add_column("wakeup_call", "claimed_until", peewee.DateTimeField(null=True)),
        migrator.add_column("wakeup_call", "outcome",
                            peewee.CharField(max_length=255, default="")),
        migrator.add_index("wakeup_call", ("status", "next_try"), False),
    )

    class VoicemailGreetingV5(BaseModel):
        mailbox = peewee.ForeignKeyField(_existing("extension"), on_delete="CASCADE")
        kind = peewee.CharField(max_length=12)
        path = peewee.CharField(max_length=255)
        recorded = peewee.DateTimeField()

        class Meta:
            table_name = "voicemail_greeting"
            indexes = ((("mailbox", "kind"), True),)

    class VoicemailEmailV5(BaseModel):
        message = peewee.ForeignKeyField(_existing("voicemail_message"), on_delete="CASCADE")
        recipient = peewee.CharField(max_length=254)
        status = peewee.CharField(max_length=10)
        attempts = peewee.IntegerField()
        next_try = peewee.DateTimeField()
        error = peewee.TextField()
        sent = peewee.DateTimeField(null=True)
        created = peewee.DateTimeField()

        class Meta:
            table_name = "voicemail_email"
            indexes = ((("status", "next_try"), False),)

    class WakeupAttemptV5(BaseModel):
        call = peewee.ForeignKeyField(_existing("wakeup_call"), on_delete="CASCADE")
        started = peewee.DateTimeField()
        uuid = peewee.CharField(max_length=36)
        result = peewee.CharField(max_length=12)
        detail = peewee.CharField(max_length=255)

        class Meta:
            table_name = "wakeup_attempt"

    class LoginFailureV5(BaseModel):
        key = peewee.CharField(max_length=64)
        at = peewee.DoubleField()

        class Meta:
            table_name = "login_failure"
            indexes = ((("key", "at"), False), (("at",), False))

    for table in (VoicemailGreetingV5, VoicemailEmailV5, WakeupAttemptV5, LoginFailureV5):
        table.create_table(safe=False)


@migration(6)
def add_portal_preferences(migrator):
    """The portal's pages: each login's own language, the forwarding page's activate
    switch, and the admin and operator accounts' optional TOTP second factor."""
    migrate(
        migrator.add_column("extension", "forwarding_active",
                            peewee.BooleanField(default=True)),
        migrator.add_column("extension", "portal_language",
                            peewee.CharField(max_length=16, default="")),
        migrator.add_column("portal_account", "language",
                            peewee.CharField(max_length=16, default="")),
        migrator.add_column("portal_account", "totp_secret",
                            peewee.CharField(max_length=64, default="")),
        migrator.add_column("portal_account", "totp_last_step",
                            peewee.BigIntegerField(default=0)),
    )


@migration(7)
def add_queue_settings(migrator):
    """Queues for mod_callcenter: each queue's hold music, its longest wait, where a caller
    who waited that long goes, and how long an agent's phone rings."""
    migrate(
        migrator.add_column("queue", "hold_music",
                            peewee.CharField(max_length=255, default="local_stream://moh")),
        migrator.add_column("queue", "max_wait_seconds", peewee.IntegerField(default=0)),
        migrator.add_column("queue", "timeout_destination",
                            peewee.CharField(max_length=32, default="")),
        migrator.add_column("queue", "agent_ring_seconds", peewee.IntegerField(default=20)),
    )


@migration(8)
def add_dialer_credentials(migrator):
    """The browser dialer's Verto credentials, one portal session's each."""
    class DialerCredentialV8(BaseModel):
        token_hash = peewee.CharField(max_length=64, unique=True)
        session = peewee.ForeignKeyField(_existing("portal_session"), on_delete="CASCADE")
        extension = peewee.ForeignKeyField(_existing("extension"), on_delete="CASCADE")
        created = peewee.DateTimeField()
        expires = peewee.DateTimeField(index=True)

        class Meta:
            table_name = "dialer_credential"

    DialerCredentialV8.create_table(safe=False)


@migration(9)
def add_fax_queue(migrator):
    """Faxes are sent from a queue with tries and received into the fax log; fax numbers."""
    migrate(
        migrator.add_column("fax_job", "direction", peewee.CharField(max_length=8, default="sent")),
        migrator.add_column("fax_job", "remote_number",
                            peewee.CharField(max_length=64, default="")),
        migrator.add_column("fax_job", "fax_number", peewee.CharField(max_length=32, default="")),
        migrator.add_column("fax_job", "pages_transferred", peewee.IntegerField(default=0)),
        migrator.add_column("fax_job", "result_code", peewee.IntegerField(null=True)),
        migrator.add_column("fax_job", "remote_station",
                            peewee.CharField(max_length=64, default="")),
        migrator.add_column("fax_job", "attempts", peewee.IntegerField(default=0)),
        migrator.add_column("fax_job", "next_try", peewee.DateTimeField(null=True)),
        migrator.add_column("fax_job", "claimed_by", peewee.CharField(max_length=64, default="")),
        migrator.add_column("fax_job", "claimed_until", peewee.DateTimeField(null=True)),
        migrator.add_column("fax_job", "call_uuid", peewee.CharField(max_length=64, default="")),
        migrator.add_index("fax_job", ("status", "next_try"), False),
        migrator.add_index("fax_job", ("call_uuid",), False),
    )

    class FaxAttemptV9(BaseModel):
        job = peewee.ForeignKeyField(_existing("fax_job"), on_delete="CASCADE")
        started = peewee.DateTimeField()
        uuid = peewee.CharField(max_length=64)
        result = peewee.CharField(max_length=10, default="calling")
        detail = peewee.CharField(max_length=255, default="")
        pages_transferred = peewee.IntegerField(default=0)

        class Meta:
            table_name = "fax_attempt"

    class FaxNumberV9(BaseModel):
        domain = peewee.ForeignKeyField(_existing("domain"), on_delete="CASCADE")
        number = peewee.CharField(max_length=32)
        extension = peewee.ForeignKeyField(_existing("extension"), on_delete="CASCADE")
        created = peewee.DateTimeField(default=now)

        class Meta:
            table_name = "fax_number"
            indexes = ((("domain", "number"), True),)

    FaxAttemptV9.create_table(safe=False)
    FaxNumberV9.create_table(safe=False)


@migration(10)
def add_fax_emails(migrator):
    """The outbox sends received faxes too: a row tells of a voicemail message or a fax."""
    fax_job = _existing("fax_job")
    migrate(
        migrator.drop_not_null("voicemail_email", "message_id"),
        migrator.add_column("voicemail_email", "fax_id", peewee.ForeignKeyField(
            fax_job, field=fax_job.id, null=True, on_delete="CASCADE")),
    )


@migration(11)
def receive_each_fax_call_once(migrator):
    """A received fax is one row per call: repeats of one call (the event and the call
    record told at the same moment) are dropped, the first kept, and a unique index on the
    received rows' call keeps it so."""
    db = migrator.database
    repeats = ("SELECT id FROM fax_job WHERE direction = 'received' AND call_uuid <> '' AND "
               "id NOT IN (SELECT MIN(id) FROM fax_job WHERE direction = 'received' "
               "GROUP BY call_uuid)")
    # Their emails first: foreign keys are off while SQLite migrates (no cascade).
    db.execute_sql(f"DELETE FROM voicemail_email WHERE fax_id IN ({repeats})")  # noqa: S608
    db.execute_sql(f"DELETE FROM fax_job WHERE id IN ({repeats})")  # noqa: S608
    db.execute_sql("CREATE UNIQUE INDEX fax_job_received_call_uuid ON fax_job (call_uuid) "
                   "WHERE direction = 'received'")


def _existing(table):
    """A stand-in for an existing table that a new one points at: its ``id`` is all a
    foreign key needs, whatever the model of that table becomes later."""
    meta = type("Meta", (), {"table_name": table})
    return type(f"Existing_{table}", (BaseModel,), {"Meta": meta})


def current_version():
    return max(MIGRATIONS, default=1)


def database_version(db):
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def require_current(db):
    """Raise SchemaError unless the database is at this program's version."""
    have, want = database_version(db), current_version()
    if have != want:
        raise SchemaError(f"database schema is version {have}, this program needs {want}: "
                          "run 'switchctl init'")


def upgrade(db):
    """Create or upgrade the schema; return ``(version_before, version_after)``.

    All of it runs in one transaction: a failed migration leaves the database
    as it was.
    """
    with _foreign_keys_deferred(db), db.atomic():
        before = database_version(db)
        target = current_version()
        if before == 0:
            _create(db, target)
        elif before > target:
            raise SchemaError(f"database schema {before} is newer than this program's {target}")
        else:
            _migrate(db, before, target)
            _check_foreign_keys(db)
    return before, target


@contextlib.contextmanager
def _foreign_keys_deferred(db):
    """SQLite rebuilds a table to alter it; with foreign keys on, dropping the old
    table would cascade-delete every row that points at it. The pragma only takes
    effect outside a transaction."""
    sqlite = isinstance(db, peewee.SqliteDatabase)
    if sqlite:
        db.pragma("foreign_keys", 0)
    try:
        yield
    finally:
        if sqlite:
            db.pragma("foreign_keys", 1)


def _check_foreign_keys(db):
    if isinstance(db, peewee.SqliteDatabase):
        broken = db.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise SchemaError(f"migration left {len(broken)} broken reference(s); rolled back")


def _create(db, target):
    existing = [m for m in ALL_MODELS if db.table_exists(m._meta.table_name)]
    if existing:
        raise SchemaError("database has switchctl tables but no schema version; refusing to guess")
    db.create_tables([SchemaVersion, *ALL_MODELS])
    SchemaVersion.create(version=target)


def _migrate(db, before, target):
    migrator = SchemaMigrator.from_database(db)
    for version in range(before + 1, target + 1):
        MIGRATIONS[version](migrator)
        SchemaVersion.create(version=version)
