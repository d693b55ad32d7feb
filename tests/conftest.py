import pytest

from switchctl import config as config_module
from switchctl import schema
from switchctl.db import open_database
from switchctl.services.domains import ensure_domain
from tests.captures import FS_DOMAIN


@pytest.fixture
def config(tmp_path):
    return config_module.load({"SWITCHCTL_DATA": str(tmp_path / "data"),
                               "SWITCHCTL_SECRET_KEY": "test-secret"})


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
