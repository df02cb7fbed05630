"""A Python process of our own that answers requests over a pipe (the Great Expectations process,
pipelines/checks/gx_process.py; the goal-model readers, pipelines/ingest/goal_readers.py).

`WorkerProcess(module)` launches `python -m <module>` on first use; requests and replies are
pickled over its stdin and stdout. Nothing of the calling process is inherited (no DuckDB
connection, no Dagster thread, no main module imported again as multiprocessing's spawn does),
and the process ends with its parent: it sees end-of-file on its requests when the parent ends,
however the parent ends (Linux also sends it SIGKILL then, PR_SET_PDEATHSIG). One that has died
is started again by the next request; when none can start, the caller does the work itself.
The module's `__main__` calls `serve(handler)`.
"""
from __future__ import annotations

import gc
import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)


class WorkerProcess:
    def __init__(self, module: str, what: str):
        self.module, self.what = module, what
        self.proc: subprocess.Popen | None = None
        self.lock = threading.Lock()

    def start(self) -> None:
        """Start the process (a no-op when it runs)."""
        with self.lock:
            self._start()

    def _start(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            return
        try:
            self.proc = subprocess.Popen([sys.executable, "-m", self.module], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, close_fds=True)
        except OSError as e:
            log.warning("%s runs in this process: its own could not start (%s)", self.what, e)
            self.proc = None

    def send(self, request) -> bool:
        """Send a request (the process started now if need be); False when no process takes it."""
        with self.lock:
            self._start()
            if self.proc is None:
                return False
            try:
                pickle.dump(request, self.proc.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self.proc.stdin.flush()
                return True
            except OSError as e:
                self._lost(e)
                return False

    def receive(self):
        """The reply to the request sent last: ("ok", payload) or ("error", message); None when
        the process ended before it replied."""
        with self.lock:
            if self.proc is None:
                return None
            try:
                return pickle.load(self.proc.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as e:
                self._lost(e)
                return None

    def call(self, request):
        """send, then receive."""
        return self.receive() if self.send(request) else None

    def _lost(self, e: Exception) -> None:
        log.warning("the %s process ended (%s: %s); working in this process", self.what, type(e).__name__, e)
        _stop(self.proc)
        self.proc = None

    def stop(self) -> None:
        """End the process (tests; a run's process ends it by ending)."""
        with self.lock:
            if self.proc is not None:
                _stop(self.proc)
            self.proc = None


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


def serve(handle: Callable, prepare: Callable[[], None] | None = None) -> None:
    """The worker's loop: each request is `handle(*request)`'s reply, until end-of-file."""
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
    if prepare is not None:
        prepare()
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:
            return
        try:
            reply = ("ok", handle(*request))
        except Exception as e:  # noqa: BLE001 - reported to the caller, which records it
            reply = ("error", f"{type(e).__name__}: {e}")
        pickle.dump(reply, replies, protocol=pickle.HIGHEST_PROTOCOL)
        replies.flush()
        del reply
        if not gc.isenabled():  # heap.worker(): the request's cyclic garbage, once
            gc.collect()
