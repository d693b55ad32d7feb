"""A private PostgreSQL server for the tests that run on both databases.

Started once per test session from the installed PostgreSQL (Debian package
``postgresql``; its binaries live in /usr/lib/postgresql/<version>/bin) in a
temporary folder, on a free port, as the ``postgres`` system user when the tests
run as root (PostgreSQL refuses root). Without PostgreSQL the PostgreSQL half of
those tests is skipped with that reason.
"""

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import time

from tests.cli_helpers import free_tcp_port

USER = "switchctl"


def _binaries():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if found:
        return os.path.dirname(found[-1])
    initdb = shutil.which("initdb")
    return os.path.dirname(initdb) if initdb else None


class PostgresServer:
    def __init__(self):
        self.bin = _binaries()
        self.process = None
        self.folder = None
        self.port = None

    @property
    def missing(self):
        """Why no server can run here, or None."""
        if self.bin is None:
            return "PostgreSQL is not installed (Debian package postgresql)"
        if os.geteuid() == 0:
            try:
                pwd.getpwnam("postgres")
            except KeyError:
                return "running as root without a postgres system user to run PostgreSQL"
        return None

    def _as_owner(self, *command):
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def start(self):
        self.folder = tempfile.mkdtemp(prefix="switchctl-pg-")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = os.path.join(self.folder, "data")
        subprocess.run(self._as_owner(f"{self.bin}/initdb", "-D", data, "-U", USER,
                                      "-A", "trust", "--no-sync", "-E", "UTF8"),
                       check=True, capture_output=True, timeout=120)
        self.port = free_tcp_port()
        self.process = subprocess.Popen(
            self._as_owner(f"{self.bin}/postgres", "-D", data, "-p", str(self.port),
                           "-k", self.folder, "-c", "listen_addresses=127.0.0.1",
                           "-c", "fsync=off", "-c", "full_page_writes=off",
                           "-c", "synchronous_commit=off"),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while subprocess.run([f"{self.bin}/pg_isready", "-h", "127.0.0.1", "-p",
                              str(self.port)], capture_output=True).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("PostgreSQL did not start")
            time.sleep(0.1)
        return self

    @property
    def url(self):
        return f"postgresql://{USER}@127.0.0.1:{self.port}/postgres"

    def empty(self):
        """Drop everything the previous test made: a new, empty database."""
        import psycopg2

        connection = psycopg2.connect(self.url)
        try:
            connection.autocommit = True
            with connection.cursor() as cursor:
                cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        finally:
            connection.close()

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
