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

import os
import signal
import subprocess
import sys
import threading

GRACE_S = 30  # seconds dg dev has to stop its services after the first signal


def _signal_group(procs: list, signum: int) -> None:
    for proc in procs:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signum)
            except ProcessLookupError:
                pass


def main(argv: list[str]) -> None:
    procs: list[subprocess.Popen] = []

    def forward(signum, _frame):
        for proc in procs:
            try:
                proc.send_signal(signum)
            except ProcessLookupError:  # already gone
                pass
        # and if dg dev has not stopped its group by then: SIGTERM to the whole group, then SIGKILL
        for delay, last in ((GRACE_S, signal.SIGTERM), (GRACE_S + 15, signal.SIGKILL)):
            threading.Timer(delay, _signal_group, (procs, last)).start()

    # Caught before the start, not after: a started program gets the default action for a
    # caught signal, but keeps ignoring an ignored one, and a shell starts a background job
    # (`make dev &`, a CI step) with SIGINT ignored; Python then never raises KeyboardInterrupt
    # and dg dev would not stop on the Ctrl-C passed on to it.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, forward)
    procs.append(subprocess.Popen(argv, process_group=0))
    code = procs[0].wait()
    try:  # nothing of its group outlives it (nothing to do when dg dev stopped its services)
        os.killpg(procs[0].pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    sys.stdout.flush()
    os._exit(code if code >= 0 else 128 - code)  # the escalation timers are not waited for


if __name__ == "__main__":
    main(sys.argv[1:])
