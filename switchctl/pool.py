"""Slow work off the event loop: the loop also answers FreeSWITCH, so CPU-heavy or long
file work (hashing a PIN, scanning or attaching a WAV) runs in gevent's threadpool; work
that also starts programs (Ghostscript drawing a fax's pages), which gevent cannot do from
a pool thread, runs in a Python process of its own (``run_in_child``), the loop waiting for
it without a stall.

Any part of switchctl may use it: it imports nothing of switchctl's.
"""

import contextlib
import dataclasses
import importlib
import os
import pickle
import signal
import subprocess
import sys
import tempfile
import time

import gevent
import gevent.lock
from gevent.threadpool import ThreadPool

# Hashing (pbkdf2, scrypt) releases the GIL and takes a core per thread: gevent's shared
# pool of 10 threads hashing at once left the loop no core on a 2-core machine (200 PIN
# checks together held up every call flow's next command by 100 ms and more). Hashes
# queue here instead, on all cores but one.
HASHING_THREADS = max(1, (os.cpu_count() or 2) - 1)
_hashing = None


@dataclasses.dataclass(frozen=True)
class _Outcome:
    value: object = None
    error: BaseException = None


def run_hashing(function, *args):
    """As run_in_pool, for CPU-bound work (password and PIN hashes) in a pool of its own
    of HASHING_THREADS threads: however many wait, a core stays for the loop."""
    global _hashing
    if _hashing is None:
        _hashing = ThreadPool(HASHING_THREADS)
    return _result(_hashing.apply(_captured, (function, args)))


def run_in_pool(function, *args):
    """``function(*args)`` in gevent's threadpool while the loop goes on; what it returns,
    or the exception it raised, raised again here on the loop for the caller to handle.

    gevent's pool hands an exception that escapes a worker to the hub, which prints its
    traceback to stderr (past our logging) even when the caller expects and handles it
    (a message file that is gone): here no exception escapes the worker."""
    return _result(gevent.get_hub().threadpool.apply(_captured, (function, args)))


def _result(outcome):
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def _captured(function, args):
    try:
        return _Outcome(value=function(*args))
    except Exception as exc:  # every one is raised again on the loop
        return _Outcome(error=exc)


CHILD_SECONDS = 180
# Children at once (each may draw a fax's pages: a core and a few hundred MB): the others
# wait their turn, so the loop and the switch keep a core and the memory.
CHILD_PROCESSES = HASHING_THREADS
_children = None


class ChildFailed(RuntimeError):
    """The child process died, ran out of time or said nothing usable (the message says
    which)."""


def run_in_child(module, function, *args, timeout=None, **kwargs):
    """``module.function(*args, **kwargs)`` (a switchctl module; arguments and result
    picklable) in a fresh Python process: what it returns, or the exception it raised,
    raised again here. At most CHILD_PROCESSES run at once; ``timeout`` (CHILD_SECONDS)
    covers the wait for a turn and the run. A child out of time is killed with what it
    started (its own session: Ghostscript too), and its temporary files go with it.
    Under serve the waits are gevent's (subprocess is patched): the loop goes on meanwhile."""
    global _children
    if not module.startswith("switchctl."):
        raise ValueError(f"run_in_child runs switchctl's own functions, not {module!r}")
    timeout = CHILD_SECONDS if timeout is None else timeout
    if _children is None:
        _children = gevent.lock.BoundedSemaphore(CHILD_PROCESSES)
    deadline = time.monotonic() + timeout
    if not _children.acquire(timeout=timeout):
        raise ChildFailed(f"{module}.{function}: no turn within {timeout} s (others running)")
    try:
        # A Ghostscript killed may still be writing as its folder goes: not an error.
        with tempfile.TemporaryDirectory(prefix="switchctl-child-",
                                         ignore_cleanup_errors=True) as scratch:
            stdout, stderr, code = _run_child(
                pickle.dumps((module, function, args, kwargs)), scratch,
                max(0.0, deadline - time.monotonic()), f"{module}.{function}", timeout)
    finally:
        _children.release()
    try:
        outcome = pickle.loads(stdout)
    except Exception:  # died before it could answer: its stderr says why
        words = stderr.decode(errors="replace").strip().splitlines()[-1:] or ["no output"]
        raise ChildFailed(f"{module}.{function} failed (exit {code}): {words[0]}") from None
    return _result(outcome)


def _run_child(call, scratch, seconds, what, timeout):
    """``(stdout, stderr, exit code)`` of one child given ``call``, its temporary files in
    ``scratch``; ChildFailed once ``seconds`` are over (the child's session killed)."""
    child = subprocess.Popen([sys.executable, "-m", "switchctl.pool"], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             env={**os.environ, "TMPDIR": scratch}, start_new_session=True)
    try:
        stdout, stderr = child.communicate(call, timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(child)
        raise ChildFailed(f"{what} took longer than {timeout} s") from None
    except BaseException:  # its caller interrupted (serve stopping, Ctrl-C): nothing left
        _kill(child)
        raise
    return stdout, stderr, child.returncode


def _kill(child):
    """End ``child`` and everything it started (its session), and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.pid, signal.SIGKILL)
    child.communicate()


def _child():
    """The child's side of run_in_child: one call read from stdin, its outcome to stdout."""
    module, function, args, kwargs = pickle.loads(sys.stdin.buffer.read())
    call = getattr(importlib.import_module(module), function)
    outcome = _captured(lambda *given: call(*given, **kwargs), args)
    try:
        data = pickle.dumps(outcome)
    except Exception as exc:  # an error that cannot be pickled: its words come back
        data = pickle.dumps(_Outcome(error=RuntimeError(f"{type(exc).__name__}: {exc}")))
    sys.stdout.buffer.write(data)


if __name__ == "__main__":
    from switchctl import pool  # its own name: the outcome unpickles as switchctl.pool's

    pool._child()
