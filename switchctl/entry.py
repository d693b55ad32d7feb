"""The ``switchctl`` console entry point.

``serve`` runs under gevent: the standard library is patched before anything else
is imported, so database drivers, SMTP and sockets all cooperate with the hub.
"""

import sys


def main():
    """Run the CLI; ``serve`` first patches the standard library for gevent."""
    if sys.argv[1:2] == ["serve"]:
        from gevent import monkey

        monkey.patch_all()
    from switchctl.cli import main as cli_main

    return cli_main()
