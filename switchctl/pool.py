"""Slow work off the event loop: the loop also answers FreeSWITCH, so CPU-heavy or long
file work (hashing a PIN, scanning or attaching a WAV) runs in gevent's threadpool.

Any part of switchctl may use it: it imports nothing of switchctl's.
"""

import dataclasses

import gevent


@dataclasses.dataclass(frozen=True)
class _Outcome:
    value: object = None
    error: BaseException = None


def run_in_pool(function, *args):
    """``function(*args)`` in gevent's threadpool while the loop goes on; what it returns,
    or the exception it raised, raised again here on the loop for the caller to handle.

    gevent's pool hands an exception that escapes a worker to the hub, which prints its
    traceback to stderr (past our logging) even when the caller expects and handles it
    (a message file that is gone): here no exception escapes the worker."""
    outcome = gevent.get_hub().threadpool.apply(_captured, (function, args))
    if outcome.error is not None:
        raise outcome.error
    return outcome.value


def _captured(function, args):
    try:
        return _Outcome(value=function(*args))
    except Exception as exc:  # every one is raised again on the loop
        return _Outcome(error=exc)
