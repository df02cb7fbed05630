"""Great Expectations in a process of its own, started early in a run (issue 12).

Importing Great Expectations and making its context takes ~2.5 s of CPU, a seventh of the demo's
load, and nothing else of the run needs GX. A thread cannot hide it (the import holds the GIL
while the ingest, also Python, wants it), a second process can: `start()` launches
`python -m pipelines.checks.gx_process` when the run begins (the CLI before it imports Dagster,
the job's first step in any other run), and it imports GX on the machine's other core while the
run imports Dagster and dbt and lands the first files. The suites' frames (profiles of about a
thousand rows, see raw_quality.py) then go to it through a pipe, and their results come back as
plain dicts; what they mean stays in raw_quality.py.

The process ends with its parent: it reads its requests from a pipe, so it sees end-of-file when
the parent ends, however the parent ends (Linux also sends it SIGKILL then, PR_SET_PDEATHSIG).
One that has died is started again by the next suite; if none can start, or it dies while it
validates, the suite runs in the calling process instead, with a warning in the log: the
findings are the same, only the time differs.
"""
from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading

log = logging.getLogger(__name__)

_lock = threading.Lock()
_proc: subprocess.Popen | None = None


def start() -> None:
    """Start the process (once per process; a no-op when it runs)."""
    global _proc
    with _lock:
        if _proc is not None and _proc.poll() is None:
            return
        try:
            _proc = subprocess.Popen([sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     close_fds=True)
        except OSError as e:
            log.warning("Great Expectations runs in this process: its own could not start (%s)", e)
            _proc = None


def validate(name: str, frame) -> list[dict] | None:
    """Validate `frame` with suite `name` in the GX process (started now if need be); None when
    that process is not available, and the caller validates in its own process."""
    global _proc
    start()
    with _lock:
        proc = _proc
        if proc is None:
            return None
        try:
            pickle.dump((name, frame), proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
            proc.stdin.flush()
            status, payload = pickle.load(proc.stdout)
        except (OSError, EOFError, pickle.UnpicklingError) as e:
            log.warning("the Great Expectations process ended (%s: %s); validating in this process", type(e).__name__, e)
            _stop(proc)
            _proc = None
            return None
    if status == "error":
        raise RuntimeError(payload)
    return payload


def stop() -> None:
    """End the process (tests; a run's process ends it by ending)."""
    global _proc
    with _lock:
        if _proc is not None:
            _stop(_proc)
        _proc = None


def _stop(proc: subprocess.Popen) -> None:
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - it exits at end-of-file
        proc.kill()
        proc.wait()


def _die_with_parent() -> None:
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        pass


def main() -> None:
    import signal

    # Ctrl-C in a terminal reaches the whole process group: the parent decides what it means
    # (it stops the run and closes the pipe), so this process ignores it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # anything printed goes to stderr, not the pipe
    _die_with_parent()
    if os.getppid() == 1:  # the parent ended before the line above
        return
    from .raw_quality import check_frame, warm

    warm()
    while True:
        try:
            name, frame = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = ("ok", check_frame(name, frame))
        except Exception as e:  # noqa: BLE001 - reported to the caller, which records it
            reply = ("error", f"{type(e).__name__}: {e}")
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()


if __name__ == "__main__":
    main()
