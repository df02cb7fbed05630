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

Dagster's SQLite event log also makes a new SQLAlchemy engine and a new SQLite connection for
every write (`SqliteEventLogStorage._connect`, NullPool): about 2,400 connections a demo run, each
opening the file, its WAL and its index and running the pragma above, about 2 s of the run's
main thread. In the processes that install this module, the event log keeps one engine (and one
open connection, SQLAlchemy's pool) per database file instead, for the few files a run writes
(its own file and the index), and closes them when the storage is disposed, wiped, or the
process ends. An open, idle connection takes no lock in WAL mode: the UI and the daemon read and
write the same files as before.

The listener and the connection reuse are installed when `pipelines.definitions` is imported: by `followup run`, and by
the run workers that `dagster dev`'s queue, the schedule and the sensor start (they import the
code location), so every run of the job writes its events the same way.
"""
from __future__ import annotations

import atexit
import os
import sqlite3
import weakref
from collections import OrderedDict
from contextlib import contextmanager

_INSTALLED = False
_KEPT_ENGINES = 8  # per storage: a run writes two files (its own and the index); the UI's readers a few more
_storages: "weakref.WeakSet" = weakref.WeakSet()


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
    """Install the listener and the connection reuse once per process (idempotent);
    FOLLOWUP_DAGSTER_FSYNC=1 leaves out the listener only."""
    global _INSTALLED
    if _INSTALLED:
        return
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if os.environ.get("FOLLOWUP_DAGSTER_FSYNC") != "1":
        event.listen(Engine, "connect", _on_connect)
    _keep_connections()
    _INSTALLED = True


def _engines(storage) -> OrderedDict:
    engines = storage.__dict__.get("_followup_engines")
    if engines is None:
        engines = storage.__dict__["_followup_engines"] = OrderedDict()
        _storages.add(storage)
    return engines


def _dispose_engines(storage) -> None:
    engines = storage.__dict__.get("_followup_engines") or {}
    while engines:
        engines.popitem()[1].dispose()


def _keep_connections() -> None:
    """`SqliteEventLogStorage._connect` with one engine per database file, kept (see the module
    docstring); otherwise the same: the storage's lock held, the file created on first use, one
    transaction per use."""
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
        SQLITE_BUSY_TIMEOUT_SECONDS,
        SqliteEventLogStorage,
    )
    from sqlalchemy import create_engine

    @contextmanager
    def _connect(self, shard: str):
        with self._db_lock:
            engines = _engines(self)
            engine = engines.get(shard)
            if engine is None:
                engine = create_engine(self.conn_string_for_shard(shard),
                                       connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
                if shard not in self._initialized_dbs:
                    self._initdb(engine)
                    self._initialized_dbs.add(shard)
                engines[shard] = engine
                while len(engines) > _KEPT_ENGINES:
                    engines.popitem(last=False)[1].dispose()
            else:
                engines.move_to_end(shard)
            with engine.connect() as conn:
                with conn.begin():
                    yield conn

    original_dispose, original_wipe = SqliteEventLogStorage.dispose, SqliteEventLogStorage.wipe

    def dispose(self) -> None:
        with self._db_lock:
            _dispose_engines(self)
        original_dispose(self)

    def wipe(self) -> None:
        with self._db_lock:
            _dispose_engines(self)
        original_wipe(self)

    SqliteEventLogStorage._connect = _connect
    SqliteEventLogStorage.dispose = dispose
    SqliteEventLogStorage.wipe = wipe
    # close the kept connections (checkpointing each file's WAL) before the interpreter goes
    atexit.register(lambda: [_dispose_engines(s) for s in list(_storages)])
