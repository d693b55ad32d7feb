"""run_in_pool: work off the event loop, its result or its exception back on the loop,
and nothing printed past our logging."""

import threading

import gevent
import gevent.lock
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


def gone(pid):
    """Process ``pid`` has ended (a zombie left to the machine's init counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_child_out_of_time_is_killed_with_what_it_started_and_its_files_go(
        tmp_path, monkeypatch):
    """The child runs a Ghostscript that hangs (a stand-in ``gs`` first on the PATH, which
    says where it runs and waits): past the time limit both are gone, and so are the
    child's temporary files."""
    import os
    import time

    from switchctl.pool import ChildFailed, run_in_child
    from switchctl.services.fax_documents import Upload

    tools = tmp_path / "bin"
    tools.mkdir()
    hanging = tools / "gs"
    hanging.write_text(f'#!/bin/sh\necho "$$ $TMPDIR" > {tmp_path}/gs.txt\nexec sleep 60\n')
    hanging.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    started = time.monotonic()
    with pytest.raises(ChildFailed, match="took longer than 2 s"):
        run_in_child("switchctl.services.fax_documents", "fax_document",
                     [Upload("letter.pdf", b"%PDF-1.4\n")], timeout=2)
    assert time.monotonic() - started < 10
    pid, scratch = (tmp_path / "gs.txt").read_text().split()
    deadline = time.monotonic() + 5  # SIGKILL is prompt, not instant on a busy machine
    while not gone(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert gone(pid)
    assert "switchctl-child-" in scratch
    assert not os.path.exists(scratch)


def test_a_child_whose_caller_is_stopped_goes_with_what_it_started(tmp_path, monkeypatch):
    """serve stopping (the request's greenlet killed) or Ctrl-C: no child, no Ghostscript
    is left running."""
    import os
    import time

    from switchctl.pool import run_in_child
    from switchctl.services.fax_documents import Upload

    tools = tmp_path / "bin"
    tools.mkdir()
    (tools / "gs").write_text(f'#!/bin/sh\necho "$$" > {tmp_path}/gs.txt\nexec sleep 60\n')
    (tools / "gs").chmod(0o755)
    monkeypatch.setenv("PATH", f"{tools}:{os.environ['PATH']}")
    caller = gevent.spawn(run_in_child, "switchctl.services.fax_documents", "fax_document",
                          [Upload("letter.pdf", b"%PDF-1.4\n")], timeout=30)
    deadline = time.monotonic() + 10
    while not (tmp_path / "gs.txt").exists() and time.monotonic() < deadline:
        gevent.sleep(0.05)
    pid = (tmp_path / "gs.txt").read_text().split()[0]
    caller.kill()
    while not gone(pid) and time.monotonic() < deadline:
        gevent.sleep(0.05)
    assert gone(pid)


def test_a_child_waits_for_its_turn_within_its_time(monkeypatch):
    from switchctl import pool

    turns = gevent.lock.BoundedSemaphore(1)
    monkeypatch.setattr(pool, "_children", turns)
    turns.acquire()  # another child runs
    with pytest.raises(pool.ChildFailed, match="no turn within 0.5 s"):
        pool.run_in_child("switchctl.services.fax_documents", "kind_of", b"%PDF-", timeout=0.5)
    gevent.spawn_later(0.3, turns.release)  # it ends: this one runs
    assert pool.run_in_child("switchctl.services.fax_documents", "kind_of", b"%PDF-",
                             timeout=5) == "pdf"
