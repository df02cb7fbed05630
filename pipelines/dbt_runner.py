"""dbt in the run's own process (dbt's programmatic `dbtRunner`), its results as Dagster events.

dagster-dbt's `DbtCliResource` starts `dbt` as a subprocess and reads its JSON log lines. A new
Python process pays dbt's whole start-up again (importing dbt-core, its adapters and their
dataclass schemas: 2-3 s of CPU on this machine, about a third of the demo's dbt step), although
the run's process has imported most of dbt already (dagster-dbt imports it to read the
manifest). dbt supports being invoked in-process (https://docs.getdbt.com/reference/programmatic-invocations),
so the `followup` job calls it here: dbt runs in a worker thread, its structured events reach a
callback, and each node's result event is turned into Dagster events by dagster-dbt's own
`DbtCoreCliEventMessage.to_default_asset_events`, exactly as for a subprocess's log lines
(materialisations of models and seeds, asset check results of tests), while dbt is still
running. `dbt build` in `dbt_project/` stays what analysts run by hand.

dbt writes its usual artifacts (run_results.json, manifest.json, partial_parse.msgpack) and its
debug log (dbt.log, one JSON event a line) into the warehouse's dbt target folder (`<warehouse>/.build/dbt`).
"""
from __future__ import annotations

import ctypes
import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from . import config

# dbt's events that carry a node's result (what dagster-dbt turns into Dagster events)
_RESULT_EVENTS = frozenset({"LogSeedResult", "LogModelResult", "LogSnapshotResult", "LogTestResult"})
_DONE = object()


@dataclass
class DbtInvocation:
    """One dbt command run in this process."""

    args: list[str]
    target: Path
    success: bool = False
    exception: BaseException | None = None
    errors: list[str] = field(default_factory=list)


def _full_args(args: list[str], target: Path) -> list[str]:
    project = str(config.DBT_PROJECT_DIR)
    return [*args, "--project-dir", project, "--profiles-dir", project,
            "--target-path", str(target), "--log-path", str(target), "--log-format-file", "json"]


def _close_duckdb() -> None:
    """dbt-duckdb keeps its DuckDB environment in a class attribute; drop it so the build database
    is closed in this process before the run's next step opens it (with its own settings)."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    except ImportError:  # pragma: no cover - dbt-duckdb is a dependency
        return
    env = DuckDBConnectionManager._ENV
    DuckDBConnectionManager.close_all_connections()
    if env is not None:
        env.close()


def invoke(args: list[str], target: Path, on_result=None) -> DbtInvocation:
    """Run `dbt <args>` in this process; `on_result(event_dict)` gets each node's result event
    (the same dict as a line of dbt's JSON log), from dbt's worker threads."""
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    inv = DbtInvocation(list(args), target)
    target.mkdir(parents=True, exist_ok=True)

    def callback(msg) -> None:
        if msg.info.level == "error":
            inv.errors.append(msg.info.msg)
        if on_result is not None and msg.info.name in _RESULT_EVENTS:
            on_result(msg_to_dict(msg))

    try:
        result = dbtRunner(callbacks=[callback]).invoke(_full_args(args, target))
        inv.success, inv.exception = bool(result.success), result.exception
    finally:
        _close_duckdb()
    return inv


def stop(worker: threading.Thread, timeout: float = 60.0) -> bool:
    """Stop a dbt command running in `worker` the way Ctrl-C stops dbt: a KeyboardInterrupt in the
    thread that runs dbt's node queue (dbt then cancels its open connections and ends), and the
    running DuckDB query interrupted so that it does not wait for the query. True when dbt ended."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(worker.ident), ctypes.py_object(KeyboardInterrupt))
    deadline = time.monotonic() + timeout
    while worker.is_alive() and time.monotonic() < deadline:
        try:
            from dbt.adapters.duckdb.connections import DuckDBConnectionManager

            env = DuckDBConnectionManager._ENV
            if env is not None and getattr(env, "conn", None) is not None:
                env.conn.interrupt()
        except Exception:  # noqa: BLE001 - best effort; dbt also cancels its connections itself
            pass
        worker.join(0.2)
    _close_duckdb()
    return not worker.is_alive()


def stream(args: list[str], target: Path, context, manifest: dict, translator, project) -> Iterator:
    """Run `dbt <args>` in a worker thread and yield the Dagster events of its node results as
    they come (models and seeds: Output; tests: AssetCheckResult). Returns (as the generator's
    value) the DbtInvocation."""
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage

    events: queue.SimpleQueue = queue.SimpleQueue()
    box: dict = {}

    def work() -> None:
        try:
            box["inv"] = invoke(args, target, on_result=events.put)
        except BaseException as e:  # noqa: BLE001 - handed to the step's thread below
            box["exc"] = e
        finally:
            events.put(_DONE)

    worker = threading.Thread(target=work, name="dbt", daemon=True)
    worker.start()
    try:
        while (raw := events.get()) is not _DONE:
            message = DbtCoreCliEventMessage(raw_event=raw, event_history_metadata={})
            yield from message.to_default_asset_events(manifest=manifest, dagster_dbt_translator=translator,
                                                       context=context, target_path=target, project=project)
    except BaseException:  # the step stops (Ctrl-C, the run is terminated): stop dbt first
        stop(worker)
        raise
    worker.join()
    if "exc" in box:
        raise box["exc"]
    return box["inv"]
