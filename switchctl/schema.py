"""Schema versions: create a new database, or upgrade a live one without losing rows.

Each migration is a function of a playhouse ``SchemaMigrator`` that turns version
``n - 1`` into version ``n``. Migrations define the fields they add themselves, so
they keep working when the models change later.
"""

import peewee
from playhouse.migrate import SchemaMigrator

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


def current_version():
    return max(MIGRATIONS, default=1)


def database_version(db):
    if not db.table_exists(SchemaVersion._meta.table_name):
        return 0
    return SchemaVersion.select(peewee.fn.MAX(SchemaVersion.version)).scalar() or 0


def upgrade(db):
    """Create or upgrade the schema; return ``(version_before, version_after)``."""
    with db.atomic():
        before = database_version(db)
        target = current_version()
        if before == 0:
            _create(db, target)
        elif before > target:
            raise SchemaError(f"database schema {before} is newer than this program's {target}")
        else:
            _migrate(db, before, target)
    return before, target


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

