"""``switchctl queue ...`` with the queue settings of schema v7 and dynamic agents, run in
this process on the conftest office (the same service functions as the admin pages; bad
input one line with exit 1, nothing changed)."""

import pytest

from switchctl.models import Queue


def test_a_queue_with_its_settings_and_a_dynamic_agent(run):
    run("queue", "add", "700", "--name", "Sales", "--max-wait", "90",
        "--timeout-destination", "105", "--ring-seconds", "15")
    run("queue", "agent", "add", "700", "101")
    run("queue", "agent", "add", "700", "102", "--dynamic")
    assert run("queue", "list") == "700\tSales\tlongest-idle-agent\t101 102*\n"
    assert run("queue", "show", "700") == (
        "queue 700\tSales\nstrategy\tlongest-idle-agent\nhold music\tlocal_stream://moh\n"
        "max wait\t90 s\ntimeout destination\t105\nagent ring time\t15 s\n"
        "agent 101\tstatic\tlogged in\nagent 102\tdynamic\tlogged out\n")
    run("queue", "set", "700", "--hold-music", "local_stream://jazz", "--max-wait", "0")
    queue = Queue.get()
    assert (queue.hold_music, queue.max_wait_seconds, queue.timeout_destination,
            queue.agent_ring_seconds) == ("local_stream://jazz", 0, "105", 15)


@pytest.mark.parametrize("arguments, error", [
    (("--hold-music", "${x}"), "hold music ${x} is neither local_stream://<name> nor a "
                               "sound of the set"),
    (("--timeout-destination", "999"), "timeout destination 999 is not a number of this "
                                       "office"),
    (("--ring-seconds", "500"), "the agent ring time must be a whole number of seconds "
                                "from 5 to 120"),
])
def test_bad_settings_are_one_line_and_change_nothing(run, arguments, error):
    run("queue", "add", "700", "--name", "Sales")
    assert run("queue", "set", "700", *arguments, code=1) == error
    assert run("queue", "add", "710", "--name", "X", *arguments, code=1) == error
    assert [(q.number, q.hold_music, q.timeout_destination, q.agent_ring_seconds)
            for q in Queue.select()] == [("700", "local_stream://moh", "", 20)]
