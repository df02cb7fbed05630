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
    if isinstance(e, (duckdb.IOException, duckdb.OutOfMemoryException, OSError)):
        return any(t in text for t in _ENV_TEXT)
    return any(t in text for t in _ENV_TEXT[:4])  # e.g. sqlite's or dbt's words for a full or read-only disk


def is_environment_text(text: str) -> bool:
    """An error message (e.g. dbt's) that names a fault of the machine."""
    return any(t in text for t in _ENV_TEXT if t != "Permission denied") or "Permission denied" in text and "Errno 13" in text


def describe(e: BaseException) -> str:
    """One line: the fault, without a traceback."""
    if isinstance(e, KeyboardInterrupt) or type(e).__name__ == "DagsterExecutionInterruptedError":
        return "interrupted (Ctrl-C)"
    if isinstance(e, OSError) and e.strerror:
        where = f": {e.filename}" if e.filename else ""
        return f"{e.strerror}{where}"
    text = (str(e).strip().splitlines() or [type(e).__name__])
    line = next((t for t in text if any(k in t for k in _ENV_TEXT)), text[0]).strip()[:300]
    if "database or disk is full" in line and "No space left" not in line:  # sqlite's words for ENOSPC
        return f"No space left on device ({type(e).__name__}: {line})"
    return f"{type(e).__name__}: {line}"
