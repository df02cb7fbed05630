"""Resources: where raw files and the published warehouse live, the build database (private to
the pipeline) and the warehouse's writer lock. Paths come from FOLLOWUP_RAW_DIR /
FOLLOWUP_WAREHOUSE_DIR at run time."""
from __future__ import annotations

import contextlib
from pathlib import Path

import dagster as dg
import duckdb

from . import config
from .ingest import ensure_schema
from .lock import writer_lock


class FollowupPaths(dg.ConfigurableResource):
    """Raw and warehouse directories; empty = the contract's environment variables and defaults.

    While a run uses it, the run holds the warehouse's writer lock (pipelines/lock.py): the job
    runs its steps one after another in one process (the in-process executor), so the build
    database has one writer at a time, and a second run on the same warehouse cannot interleave."""

    raw_dir: str = ""
    warehouse_dir: str = ""

    def raw(self) -> Path:
        return Path(self.raw_dir).resolve() if self.raw_dir else config.raw_dir()

    def warehouse(self) -> Path:
        return Path(self.warehouse_dir).resolve() if self.warehouse_dir else config.warehouse_dir()

    def build_db(self) -> Path:
        return self.warehouse() / ".build" / "build.duckdb"

    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: each run's artifacts (run_results.json)."""
        return self.warehouse() / ".build" / "dbt"

    @contextlib.contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext):
        with writer_lock(self.warehouse(), run_id=context.run_id):
            yield self

    @contextlib.contextmanager
    def build_connection(self):
        """The one writer of the build database. Closed before dbt (a second process) opens it."""
        path = self.build_db()
        path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(path), config={"memory_limit": config.duckdb_memory_limit()})
        try:
            ensure_schema(con)
            yield con
        finally:
            con.close()
