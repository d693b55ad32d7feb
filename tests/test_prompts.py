"""Every prompt the dialplan and the call flows play is one switchctl knows it can play."""

import ast
import re
from pathlib import Path

import pytest

from switchctl.freeswitch import prompts

SOURCE = Path(prompts.__file__).resolve().parents[1]  # all of switchctl
SOUND_NAME = re.compile(r"^(ivr|voicemail|conference|misc|digits)/[a-z0-9_-]+\.wav$")


def prompt_references():
    """(file, name) of every ``prompts.NAME`` in switchctl's code."""
    found = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id == "prompts":
                found.append((path.name, node.attr))
    return found


def test_code_refers_to_prompts_through_the_registry():
    references = prompt_references()
    assert len(references) > 20
    for filename, name in references:
        value = getattr(prompts, name)
        assert callable(value) or prompts.is_known(value), f"{filename}: prompts.{name}"


@pytest.mark.parametrize("sound", sorted(prompts.STANDARD_SOUNDS))
def test_standard_sounds_are_named_as_in_the_english_sound_set(sound):
    assert SOUND_NAME.match(sound)


def test_no_sound_file_is_written_outside_the_registry():
    literal = re.compile(r"""["'](ivr|voicemail|conference|misc)/[^"']+\.wav["']""")
    offenders = [path.name for path in SOURCE.rglob("*.py")
                 if path.name != "prompts.py" and literal.search(path.read_text())]
    assert offenders == []
