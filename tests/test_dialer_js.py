"""The dialer's JavaScript tests (tests/js/, Node's built-in test runner, no network): the
Verto client on frames recorded from the real switch. Run here so that ``make test`` (and
CI) runs them; ``node --test tests/js/`` runs them alone."""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_verto_clients_javascript_tests_pass():
    node = shutil.which("node")
    assert node, "Node.js is needed for the dialer's tests (.ci/run installs Debian's nodejs)"
    run = subprocess.run([node, "--test", "tests/js/"], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    counted = dict(re.findall(r"^# (tests|pass|fail) (\d+)$", run.stdout, re.MULTILINE))
    assert int(counted.get("tests", 0)) >= 20 and counted.get("fail") == "0", report
