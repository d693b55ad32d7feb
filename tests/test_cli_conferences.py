"""``switchctl conference|queue|blacklist|route|gateway``, run in this process
(``cli.main`` as the command runs it, on the conftest office): the same service functions
as the admin pages, bad input one line with exit 1."""

from switchctl.models import BlacklistEntry, ConferenceRoom, Queue
from switchctl.services import blacklist, queues
from switchctl.services import outbound_routes as routes
from tests.builders.dialplan import bridges, call, steps_of


def test_conference_rooms(run):
    assert run("conference", "add", "800", "--admin-pin", "4321", "--user-pin", "1111",
               "--name", "Board") == "added conference room 800\n"
    assert run("conference", "list") == "800\tBoard\tadmin PIN 4321\tuser PIN 1111\n"
    run("conference", "set", "800", "--number", "801", "--user-pin", "")
    room = ConferenceRoom.get()
    assert (room.number, room.admin_pin, room.user_pin, room.name) == ("801", "4321", "", "Board")
    assert run("conference", "add", "101", "--admin-pin", "1234", code=1) == \
        "number 101 is an extension"
    assert run("conference", "set", "801", "--admin-pin", "12", code=1) == \
        "a PIN must be 3 to 8 digits"
    assert run("conference", "remove", "800", code=1) == "there is no conference room 800"
    run("conference", "remove", "801")
    assert not ConferenceRoom.select().exists()
    assert "--admin-pin" in run("conference", "add", "802", code=2)  # a usage error


def test_queues_and_their_agents(run):
    run("queue", "add", "600", "--name", "Sales", "--strategy", "ring-all")
    run("queue", "agent", "add", "600", "101", "102")
    assert run("queue", "list") == "600\tSales\tring-all\t101 102\n"
    assert run("queue", "agent", "add", "600", "105", "101", code=1) == \
        "extension 101 already answers queue 600"
    queue = Queue.get()
    assert [a.extension.number for a in queues.agents(queue)] == ["101", "102"]  # none added
    run("queue", "agent", "remove", "600", "102")
    run("queue", "set", "600", "--strategy", "top-down", "--name", "Front desk")
    assert run("queue", "list") == "600\tFront desk\ttop-down\t101\n"
    assert "invalid choice: 'fifo'" in run("queue", "set", "600", "--strategy", "fifo", code=2)
    assert run("queue", "add", "45", "--name", "X", code=1) == \
        "number 45 is a parking slot (41-49)"
    run("queue", "remove", "600")
    assert not Queue.select().exists()


def test_blacklist(run, office):
    assert run("blacklist", "add", "13800000000", "+8613900000000") == \
        "13800000000 blacklisted\n+8613900000000 blacklisted\n"
    assert run("blacklist", "add", "13700000000", "102", code=1) == \
        "102 is an extension: only outside numbers can be blocked"
    assert not blacklist.is_listed(office.id, "13700000000")  # all checked first
    lines = run("blacklist", "list", "--search", "139").splitlines()
    assert len(lines) == 1 and lines[0].startswith("8613900000000\t") and \
        lines[0].endswith("\tadmin")
    assert run("blacklist", "remove", "13800000000", "13800000001") == \
        "13800000000 removed\n13800000001 was not blacklisted\n"
    assert [e.number for e in BlacklistEntry.select()] == ["8613900000000"]


def test_routes_and_gateways_served_to_the_next_call(run, client, office):
    run("gateway", "add", "backup")
    assert run("gateway", "list") == "trunk\nbackup\n"
    run("route", "set", "9", "--gateway", "backup")
    assert bridges(steps_of(client, call("101", "985337106"))) == \
        ["sofia/gateway/backup/85337106"]
    run("route", "add", "0", "trunk")
    assert run("route", "list") == "0\ttrunk\n9\tbackup\n"
    assert run("route", "add", "1", "trunk", code=1) == \
        "prefix 1 is the start of the number 101 already in use"
    assert run("gateway", "remove", "backup", code=1) == \
        "gateway backup is used by the route of prefix 9"
    run("route", "remove", "9")
    assert bridges(steps_of(client, call("101", "985337106"))) == []
    run("gateway", "remove", "backup")
    assert routes.gateways(office) == ["trunk"]
