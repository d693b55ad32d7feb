"""The house's layers: the low rooms (FreeSWITCH's vocabulary, models, services) never
import from the edges (xml_curl, esl, ivr, portal), so each edge can grow on its own."""

import ast
from pathlib import Path

import pytest

import switchctl

PACKAGE = Path(switchctl.__file__).resolve().parent
EDGES = ("xml_curl", "esl", "ivr", "portal")
# What each low room may import from switchctl (beyond itself).
LOW_ROOMS = {
    "freeswitch": (),
    "models": (),
    "services": ("models", "freeswitch", "passwords", "db", "pool"),
}


def switchctl_imports(path):
    """The ``switchctl.<room>`` names a module imports, with the line of each."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        rooms = {parts[1] for parts in (name.split(".") for name in names)
                 if parts[0] == "switchctl" and len(parts) > 1}
        found += [(room, node.lineno) for room in sorted(rooms)]
    return found


def modules_of(room):
    return sorted((PACKAGE / room).rglob("*.py"))


def test_every_room_named_here_exists():
    for room in (*EDGES, *LOW_ROOMS):
        assert (PACKAGE / room / "__init__.py").is_file(), room


@pytest.mark.parametrize("room", sorted(LOW_ROOMS))
def test_low_rooms_import_nothing_from_the_edges(room):
    allowed = {room, *LOW_ROOMS[room]}
    wrong = [f"{path.relative_to(PACKAGE)}:{line} imports switchctl.{imported}"
             for path in modules_of(room)
             for imported, line in switchctl_imports(path)
             if imported not in allowed]
    assert not wrong, wrong


def test_the_check_sees_an_upward_import(tmp_path):
    """The check itself: an import of an edge is found, in each form it can take."""
    module = tmp_path / "sample.py"
    module.write_text("import switchctl.esl.events\nfrom switchctl.xml_curl import routing\n"
                      "from switchctl import portal\nfrom switchctl.models import Domain\n")
    assert [room for room, _ in switchctl_imports(module)] == [
        "esl", "xml_curl", "portal", "models"]
