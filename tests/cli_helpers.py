"""Running the real ``switchctl`` command in a subprocess."""

import os
import subprocess
import sys


def cli_env(data_dir, **extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHCTL_")}
    env.update({"SWITCHCTL_DATA": str(data_dir), "SWITCHCTL_SECRET_KEY": "test"}, **extra)
    return env


def switchctl(data_dir, *args, **extra):
    return subprocess.run([sys.executable, "-m", "switchctl", *args],
                          env=cli_env(data_dir, **extra), capture_output=True, text=True,
                          timeout=60, check=False)
