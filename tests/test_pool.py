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


def test_hashing_runs_at_most_hashing_threads_at_once_and_the_loop_goes_on():
    """However many hashes wait (200 mailbox logins at once), they take at most
    HASHING_THREADS cores: the loop keeps one."""
    from switchctl.pool import HASHING_THREADS, run_hashing

    lock, running, most = threading.Lock(), [0], [0]
    release = threading.Event()

    def work(n):
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        release.wait(5)
        with lock:
            running[0] -= 1
        return n * n

    waiting = [gevent.spawn(run_hashing, work, n) for n in range(HASHING_THREADS + 4)]
    ticks = 0
    while most[0] < HASHING_THREADS:  # the loop runs while every thread is busy
        gevent.sleep(0.001)
        ticks += 1
    gevent.sleep(0.05)
    assert most[0] == HASHING_THREADS and ticks > 0
    release.set()
    gevent.joinall(waiting, timeout=10)
    assert [g.value for g in waiting] == [n * n for n in range(HASHING_THREADS + 4)]
    assert most[0] == HASHING_THREADS
    with pytest.raises(ZeroDivisionError):
        run_hashing(divmod, 1, 0)


def test_a_child_process_gives_its_result_and_its_exceptions_back():
    from switchctl.pool import run_in_child
    from switchctl.services import ValidationError
    from switchctl.services.fax_documents import Upload

    assert run_in_child("switchctl.services.fax_documents", "kind_of", b"%PDF-1.4") == "pdf"
    with pytest.raises(ValidationError) as raised:
        run_in_child("switchctl.services.fax_documents", "fax_document",
                     [Upload("setup.pdf", b"\x7fELF\x02\x01")], resolution="standard")
    assert raised.value.template == "%(name)s is not a PDF, TIFF, PNG or JPEG file"
    assert raised.value.params == {"name": "setup.pdf"}


def test_a_child_that_cannot_run_its_work_is_a_clear_failure():
    from switchctl.pool import ChildFailed, run_in_child

    with pytest.raises(ChildFailed, match="no_such_function failed .*AttributeError"):
        run_in_child("switchctl.pool", "no_such_function")
    with pytest.raises(ValueError, match="switchctl's own functions"):
        run_in_child("os", "system", "true")
