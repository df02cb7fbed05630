"""`make dev`: run Dagster's UI and daemon (`dg dev`) in a process group of its own, and pass
Ctrl-C (SIGINT), SIGTERM and SIGHUP on to it alone, so that it stops its services in order.

In a terminal, Ctrl-C goes to every process of the foreground process group. When `dg dev`'s
services (webserver, daemon, code server) are in that group they all get it at once; the code
server can then exit before its proxy in the webserver knows that everything is shutting down,
and the proxy starts a new code server ("Code server process has exited with code 0. Restarting
the code server process."), which outlives the others or holds up the shutdown. In its own group
only `dg dev` gets the signal, from here, and stops its children itself.

    python tools/dev.py <command> [args ...]
"""
from __future__ import annotations

import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    proc = subprocess.Popen(argv, process_group=0)

    def forward(signum, _frame):
        try:
            proc.send_signal(signum)
        except ProcessLookupError:  # already gone
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    return proc.wait()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
