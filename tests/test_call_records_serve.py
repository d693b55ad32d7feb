"""No call record lost, as the real ``switchctl serve`` process meets FreeSWITCH: a database
file deleted or replaced under it, records FreeSWITCH kept in its spool folder."""

import contextlib
import shutil
import sqlite3
import threading
import time
import uuid

import pytest
import requests

from tests.builders.captures import payload
from tests.clients.cli import free_tcp_port, start_serve
from tests.clients.cli import switchctl_here as switchctl

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


def wait_for(condition, timeout=20):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_serve_imports_the_records_freeswitch_kept_from_the_start(data):
    """Records FreeSWITCH wrote to its err-log-dir while switchctl was away are stored
    once switchctl serve starts, while the switch's lookups go on being answered."""
    folder = data / "xml_cdr"
    folder.mkdir()
    kept = [str(uuid.uuid4()) for _ in range(300)]
    for call_uuid in kept:
        (folder / f"a_{call_uuid}.cdr.xml").write_bytes(cdr_for(call_uuid))
    served = Served(data, SWITCHCTL_CDR_SPOOL=str(folder))
    try:
        begun = time.monotonic()
        assert requests.get(f"http://{served.switch}/healthz", timeout=5).text == "ok\n"
        assert time.monotonic() - begun < 1
        wait_for(lambda: len(list((folder / "imported").glob("*.cdr.xml"))) == len(kept))
        assert stored_uuids(data / "switchctl.sqlite3") == set(kept)
        assert not list(folder.glob("*.cdr.xml"))
        wait_for(lambda: "300 imported, 0 refused, 0 left" in served.log())
    finally:
        served.stop()
