"""No call record lost, as the real ``switchctl serve`` process meets FreeSWITCH: a database
file deleted or replaced under it, records FreeSWITCH kept in its spool folder."""

import contextlib
import shutil
import sqlite3
import threading
import uuid

import pytest
import requests

from tests.captures import payload
from tests.cli_helpers import free_tcp_port, start_serve, switchctl

CDR = "xml_cdr/2f_unregistered_encode_textxml_a_leg.cdr.xml"
CAPTURED_UUID = "c5c16f78-8d86-4888-bc96-2741a25d47ff"


def cdr_for(call_uuid):
    return payload(CDR).replace(CAPTURED_UUID.encode(), call_uuid.encode())


class Served:
    """A running ``switchctl serve``: where the switch posts, and what it logged so far."""

    def __init__(self, data, **extra):
        self.switch = f"127.0.0.1:{free_tcp_port()}"
        self.process = start_serve(data, f"127.0.0.1:{free_tcp_port()}",
                                   SWITCHCTL_SWITCH_HTTP=self.switch, **extra)
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.process.stderr:
            self.lines.append(line)

    def post(self, body):
        return requests.post(f"http://{self.switch}/cdr", data=body, timeout=30,
                             headers={"Content-Type": "text/xml"})

    def log(self):
        return "".join(self.lines)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.reader.join(timeout=5)


@pytest.fixture
def data(tmp_path):
    init = switchctl(tmp_path, "init", "--demo")
    assert init.returncode == 0, init.stderr
    return tmp_path


@pytest.fixture
def served(data):
    server = Served(data)
    yield server
    server.stop()


def stored_uuids(path):
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return {row[0] for row in connection.execute("SELECT uuid FROM call_record")}


def copy_database(source, target, empty=False):
    """A consistent copy of the database at ``source`` (its WAL included), closed; without
    call records when ``empty``."""
    with contextlib.closing(sqlite3.connect(source)) as original, \
            contextlib.closing(sqlite3.connect(target)) as copy:
        original.backup(copy)
        if empty:
            copy.execute("DELETE FROM call_record")
            copy.commit()


def remove_database(path):
    for suffix in ("", "-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


def test_a_deleted_database_file_is_noticed_and_records_stay_with_freeswitch(data, served):
    database = data / "switchctl.sqlite3"
    before, during, after = (str(uuid.uuid4()) for _ in range(3))
    assert served.post(cdr_for(before)).status_code == 200
    backup = data / "backup.sqlite3"
    copy_database(database, backup)
    remove_database(database)
    # Acknowledged, it would be gone with the deleted file: FreeSWITCH must keep it.
    assert served.post(cdr_for(during)).status_code == 503
    assert served.post(cdr_for(during)).status_code == 503
    assert not database.exists(), "a new empty database was made in its place"
    assert "switchctl.sqlite3 was deleted while open" in served.log()
    shutil.copyfile(backup, database)  # the operator puts the file back
    assert served.post(cdr_for(during)).status_code == 200
    assert served.post(cdr_for(after)).status_code == 200
    assert stored_uuids(database) == {before, during, after}
    assert "Traceback" not in served.log()


def test_a_replaced_database_file_is_written_from_then_on(data, served):
    database = data / "switchctl.sqlite3"
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    assert served.post(cdr_for(first)).status_code == 200
    restored = data / "restored.sqlite3"
    copy_database(database, restored, empty=True)
    remove_database(database)
    restored.rename(database)  # a backup moved into place while serving
    answers = [served.post(cdr_for(second)).status_code for _ in range(2)]
    assert answers in ([200, 200], [503, 200])  # never lost into the old file
    assert stored_uuids(database) == {second}
    assert "switchctl.sqlite3 was replaced by another file while open" in served.log()
