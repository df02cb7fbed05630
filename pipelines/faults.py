"""Faults of the machine, not of the data: a full disk, a read-only or vanished folder, a lost
file lock. They stop the run with one line naming the cause (exit 2); data problems instead
become a year's findings (exit 1)."""
from __future__ import annotations

import errno

import duckdb

_ENV_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EPERM, errno.EDQUOT, errno.EIO}
_ENV_TEXT = ("No space left on device", "Read-only file system", "Permission denied", "disk I/O error",
             "Could not set lock on file", "database or disk is full", "Input/output error")


def is_environment_fault(e: BaseException) -> bool:
    if isinstance(e, (KeyboardInterrupt, SystemExit, MemoryError)):
        return True
    if isinstance(e, OSError) and e.errno in _ENV_ERRNOS:
        return True
    text = str(e)
    return isinstance(e, (duckdb.IOException, duckdb.OutOfMemoryException, OSError)) and any(t in text for t in _ENV_TEXT) \
        or any(t in text for t in _ENV_TEXT[:4])


def describe(e: BaseException) -> str:
    """One line: the fault, without a traceback."""
    if isinstance(e, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(e, OSError) and e.strerror:
        where = f": {e.filename}" if e.filename else ""
        return f"{e.strerror}{where}"
    text = (str(e).strip().splitlines() or [type(e).__name__])
    line = next((t for t in text if any(k in t for k in _ENV_TEXT)), text[0])
    return f"{type(e).__name__}: {line.strip()[:300]}"
