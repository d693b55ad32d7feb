"""Running the real ``switchctl`` command in a subprocess."""

import contextlib
import io
import logging
import os
import re
import resource
import socket
import subprocess
import sys


def cli_env(data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHCTL_")}
    env.update({"SWITCHCTL_DATA": str(data_dir), "SWITCHCTL_SECRET_KEY": "test"}, **extra)
    return env


def switchctl(data_dir, *args, **extra):
    return subprocess.run([sys.executable, "-m", "switchctl", *args],
                          env=cli_env(data_dir, **extra), capture_output=True, text=True,
                          timeout=60, check=False)


def switchctl_here(data_dir, *args, **extra):
    """``switchctl ARGS`` as ``switchctl()`` runs it (the same environment, a
    CompletedProcess with its exit code and output), but in this process: ``cli.main``
    without a Python start-up and imports (half a second a command). For commands that
    neither serve nor wait on another process; the models' database and the root logger
    are put back afterwards."""
    from switchctl import cli
    from switchctl.models import database

    environ = dict(os.environ)
    bound, root = database.obj, logging.getLogger()
    handlers, level = root.handlers[:], root.level
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(cli_env(data_dir, **extra))
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = cli.main(list(args))
            except SystemExit as done:  # --help
                code = done.code or 0
    finally:
        os.environ.clear()
        os.environ.update(environ)
        if database.obj is not bound:
            database.obj.close()
            database.initialize(bound)
        root.handlers[:] = handlers
        root.setLevel(level)
    return subprocess.CompletedProcess(["switchctl", *args], code, out.getvalue(),
                                       err.getvalue())


def free_tcp_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_serve(data_dir, http, files=None, **extra):
    """``switchctl serve`` as its own process, returned once it listens on ``http``; its
    log up to then is in ``process.start_log``. ``files``: the (soft, hard) open-files limit
    it starts with.

    Standard error is a pipe: read it (or drain it) so a chatty server never stalls.
    """
    extra.setdefault("SWITCHCTL_OUTBOUND", f"127.0.0.1:{free_tcp_port()}")
    # The switch's endpoints have a port of their own: a free one unless the test says.
    extra.setdefault("SWITCHCTL_SWITCH_HTTP", f"127.0.0.1:{free_tcp_port()}")
    limit = None if files is None else (
        lambda: resource.setrlimit(resource.RLIMIT_NOFILE, files))
    process = subprocess.Popen([sys.executable, "-m", "switchctl", "serve"],
                               stderr=subprocess.PIPE, text=True, preexec_fn=limit,
                               env=cli_env(data_dir, SWITCHCTL_HTTP=http, **extra))
    process.start_log = []
    for line in process.stderr:
        process.start_log.append(line)
        if "serving http://" in line or "serving https://" in line:
            return process
    raise RuntimeError(f"switchctl serve exited with {process.wait()} before listening: "
                       + "".join(process.start_log)[-2000:])


DEMO_LINE = re.compile(r"^demo extension (\d+) \(.*\) password (\S+)$", re.M)


def demo_passwords(init_output):
    """``{number: password}`` from what ``switchctl init --demo`` printed."""
    return dict(DEMO_LINE.findall(init_output))


def in_process(config, monkeypatch, capture):
    """``switchctl ARGS`` run in this process (``cli.main`` as the command runs it) on the
    database and data of ``config`` (the conftest fixture's): a function of ARGS returning
    (exit code, standard output, standard error). ``capture``: pytest's capsys."""
    from switchctl import cli

    monkeypatch.setenv("SWITCHCTL_DATA", str(config.data))
    monkeypatch.setenv("SWITCHCTL_DATABASE", config.database)
    monkeypatch.setenv("SWITCHCTL_SECRET_KEY", "test-secret")

    def run(*argv):
        code = cli.main(list(argv))
        out, err = capture.readouterr()
        return code, out, err
    return run
