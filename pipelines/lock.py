"""One writer per warehouse (issue 12).

DuckDB allows one writing process per database file, so a run that writes the build database
holds `<warehouse>/.build/writer.lock` (an OS file lock, released when the process ends, however
it ends) from its first step to its last. A second run on the same warehouse sees who holds it:
`followup run` exits 2 naming that run (or waits with `--wait`); a run launched by Dagster waits
in the run queue first (dagster.yaml limits runs tagged `followup/writer` to one at a time), so it
meets the lock only when someone bypassed the queue, and then fails at once naming the holder.

The lock is re-entrant within a process: `followup run` takes it before it starts the job, and
the job's steps, in the same process, find it already held.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import threading
import time
from pathlib import Path

_held: dict[str, tuple[int, int]] = {}  # lock path -> (fd, depth), in this process
_guard = threading.Lock()


class WarehouseBusy(Exception):
    def __init__(self, warehouse: Path, holder: dict | None):
        self.warehouse, self.holder = warehouse, holder or {}
        who = self.holder
        text = f"run {who['run_id']}" if who.get("run_id") else "another process"
        if who.get("pid"):
            text += f" (pid {who['pid']}, since {who.get('since', '?')})"
        super().__init__(f"the warehouse {warehouse} is being written by {text}")


def lock_path(warehouse: Path) -> Path:
    return Path(warehouse) / ".build" / "writer.lock"


def holder(warehouse: Path) -> dict | None:
    """Who holds the warehouse's writer lock now (None when nobody does)."""
    path = lock_path(warehouse)
    if not path.exists():
        return None
    fd = os.open(path, os.O_RDWR)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            try:
                return json.loads(path.read_text() or "{}")
            except (OSError, ValueError):
                return {}
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def writer_lock(warehouse: Path, run_id: str | None = None, wait: bool = False, poll: float = 1.0):
    """Hold the warehouse's writer lock for the block; raise WarehouseBusy when another process
    holds it (or wait for it with `wait`)."""
    path = lock_path(warehouse)
    key = str(path)
    with _guard:
        if key in _held:
            fd, depth = _held[key]
            _held[key] = (fd, depth + 1)
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _guard:
                fd, depth = _held[key]
                _held[key] = (fd, depth - 1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if not wait:
                    busy = holder(warehouse)
                    raise WarehouseBusy(Path(warehouse), busy) from None
                time.sleep(poll)
        me = {"run_id": run_id, "pid": os.getpid(),
              "since": dt.datetime.now().astimezone().isoformat(timespec="seconds")}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(me).encode(), 0)
        with _guard:
            _held[key] = (fd, 1)
        try:
            yield
        finally:
            with _guard:
                _held.pop(key, None)
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
