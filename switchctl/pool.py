"""Slow work off the event loop: the loop also answers FreeSWITCH, so CPU-heavy or long
file work (hashing a PIN, scanning or attaching a WAV) runs in gevent's threadpool.

Any part of switchctl may use it: it imports nothing of switchctl's.
"""

import dataclasses
import os

import gevent
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
