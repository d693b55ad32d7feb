"""The README's generated parts stay equal to what generates them."""

import re
import subprocess
from pathlib import Path

from switchctl.services.feature_codes import markdown_table
from switchctl.xml_curl import features, in_call

README = Path(__file__).resolve().parent.parent / "README.md"


def block(name):
    match = re.search(f"<!-- {name}:begin -->\n(.*?)<!-- {name}:end -->", README.read_text(),
                      re.S)
    assert match, name
    return match.group(1).strip()


def test_feature_table_is_the_registry():
    """Dialled codes with a handler in xml_curl/features, in-call ones with one in in_call."""
    assert block("features") == markdown_table(live={*features.HANDLERS, *in_call.HANDLERS})


def test_readme_test_command_is_what_ci_runs():
    ci = (README.parent / ".ci" / "run").read_text()
    assert "\nmake test\n" in ci
    assert "    make test\n" in README.read_text()


def test_make_targets_named_in_the_readme_exist():
    targets = subprocess.run(["make", "-pn"], cwd=README.parent, capture_output=True,
                             text=True, check=False).stdout
    for target in ("serve", "test", "bench"):
        assert re.search(rf"^{target}:", targets, re.M), target
