"""Dagster's run history on SQLite without an fsync per event.

Dagster's SQLite storage (dagster.yaml: `storage: sqlite`) opens a connection per write and
commits each event on its own. With SQLite's default `synchronous=FULL`, every commit waits for
the disk, and closing the last connection of a WAL database checkpoints it with another wait:
a run of the `followup` job writes about 1,100 commits (about 450 events, each in the run's
event log and in the index), which cost 4-20 s per run on this kind of machine, more than the
demo's whole ingest. Dagster has no setting for it, so every SQLite connection this process
opens under the instance's storage folder gets `synchronous=OFF`: SQLite then hands its writes to
the operating system without waiting for the disk (about 30x faster per commit, measured).

What that trades: a run's history survives a crash of the process (the OS has the writes), but a
power loss or kernel crash in the middle of a run can leave the run history (`<warehouse>/.dagster`)
damaged. The warehouse is not stored there: the build database, its audit tables and the
published file are DuckDB files written with their own durability. If Dagster ever reports a
malformed database after such a crash, delete `<warehouse>/.dagster` (the run history) and run
again. `FOLLOWUP_DAGSTER_FSYNC=1` keeps SQLite's default.

The listener is installed when `pipelines.definitions` is imported: by `followup run`, and by
the run workers that `dagster dev`'s queue, the schedule and the sensor start (they import the
code location), so every run of the job writes its events the same way.
"""
from __future__ import annotations

import os
import sqlite3

_INSTALLED = False


def _storage_root() -> str | None:
    root = os.environ.get("FOLLOWUP_DAGSTER_STORAGE")
    return os.path.realpath(root) if root else None


def _on_connect(dbapi_connection, _record) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    root = _storage_root()
    if root is None:
        return
    try:
        files = [row[2] for row in dbapi_connection.execute("pragma database_list").fetchall()]
    except sqlite3.Error:
        return
    if any(f and os.path.realpath(f).startswith(root + os.sep) for f in files):
        dbapi_connection.execute("pragma synchronous=off")


def install() -> None:
    """Install the listener once per process (idempotent)."""
    global _INSTALLED
    if _INSTALLED or os.environ.get("FOLLOWUP_DAGSTER_FSYNC") == "1":
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    event.listen(Engine, "connect", _on_connect)
    _INSTALLED = True
