"""run_in_pool: work off the event loop, its result or its exception back on the loop,
and nothing printed past our logging."""

import threading

import gevent
import pytest

from switchctl.pool import run_in_pool


def test_the_result_comes_back():
    assert run_in_pool(divmod, 17, 5) == (3, 2)


def test_an_exception_is_raised_again_on_the_loop_and_not_printed(tmp_path, capfd):
    capfd.readouterr()
    with pytest.raises(FileNotFoundError) as raised:
        run_in_pool((tmp_path / "gone.wav").read_bytes)
    assert raised.value.filename == str(tmp_path / "gone.wav")
    with pytest.raises(ZeroDivisionError):
        run_in_pool(divmod, 1, 0)
    assert capfd.readouterr().err == ""


def test_the_loop_goes_on_while_the_work_runs():
    """The work waits for a greenlet on the loop: it ends only if the loop ran meanwhile."""
    loop_ran = threading.Event()

    def slow():
        return loop_ran.wait(10)

    gevent.spawn(loop_ran.set)
    assert run_in_pool(slow) is True
