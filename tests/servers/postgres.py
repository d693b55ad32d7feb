"""A private PostgreSQL server for the tests that run on both databases.

Started once per test session from the installed PostgreSQL (Debian package
``postgresql``; its binaries live in /usr/lib/postgresql/<version>/bin) in a
temporary folder under /tmp, as the ``postgres`` system user when the tests run
as root (PostgreSQL refuses root). It listens only on a Unix socket in that
0700 folder: nobody else on the machine can reach it. Without PostgreSQL the
PostgreSQL half of those tests is skipped with that reason.
"""

import atexit
import ctypes
import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time

USER = "switchctl"
PORT = 5432  # names the socket file only: no TCP listener


def _die_with_parent():
    """In the server's process: a session killed outright (SIGKILL, a cancelled CI job)
    takes its server with it (Linux parent-death signal)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


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

    def _owner(self):
        """Popen arguments running a command as the postgres user when we are root."""
        if os.geteuid() != 0:
            return {}
        return {"user": "postgres", "group": "postgres", "extra_groups": []}

    @staticmethod
    def _sweep():
        """Folders of earlier sessions that were killed outright: neither the session that
        made it (``session.pid``) nor its server is alive. Another session running now, even
        one still in initdb, keeps its folder."""
        for folder in glob.glob("/tmp/switchctl-pg-*"):
            if not any(_alive(os.path.join(folder, *name))
                       for name in (("session.pid",), ("data", "postmaster.pid"))):
                shutil.rmtree(folder, ignore_errors=True)

    def start(self):
        atexit.register(self.stop)  # an interrupted session still stops the server
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        self._sweep()
        self.folder = tempfile.mkdtemp(prefix="switchctl-pg-", dir="/tmp")
        with open(os.path.join(self.folder, "session.pid"), "w") as session:
            session.write(f"{os.getpid()}\n")
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(self.folder, owner.pw_uid, owner.pw_gid)
        data = os.path.join(self.folder, "data")
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
        initdb = subprocess.run(
            [f"{self.bin}/initdb", "-D", data, "-U", USER, "-A", "trust", "--no-sync",
             "-E", "UTF8", "--locale=C"],
            capture_output=True, text=True, timeout=120, env=env, check=False, **self._owner())
        if initdb.returncode != 0:
            raise RuntimeError(f"initdb failed: {initdb.stderr.strip()[-500:]}")
        with open(os.path.join(self.folder, "server.log"), "wb") as log:
            self.process = subprocess.Popen(
                [f"{self.bin}/postgres", "-D", data, "-p", str(PORT), "-k", self.folder,
                 "-c", "listen_addresses=", "-c", "fsync=off", "-c", "full_page_writes=off",
                 "-c", "synchronous_commit=off"],
                stdout=log, stderr=log, env=env, preexec_fn=_die_with_parent,
                **self._owner())
        deadline = time.monotonic() + 30
        while subprocess.run([f"{self.bin}/pg_isready", "-h", self.folder, "-p", str(PORT)],
                             capture_output=True, check=False).returncode != 0:
            if time.monotonic() > deadline or self.process.poll() is not None:
                with open(os.path.join(self.folder, "server.log"), errors="replace") as text:
                    raise RuntimeError(f"PostgreSQL did not start: {text.read()[-500:]}")
            time.sleep(0.1)

    @property
    def url(self):
        return f"postgresql://{USER}@/postgres?host={self.folder}&port={PORT}"

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
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: ends client sessions
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def _alive(pid_file):
    """Is the process whose pid is the first line of ``pid_file`` alive?"""
    try:
        with open(pid_file) as pids:
            os.kill(int(pids.readline()), 0)
    except (OSError, ValueError):
        return False
    return True
