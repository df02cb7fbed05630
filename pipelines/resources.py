"""Resources: the build database (private to the pipeline) and where raw files and the
published warehouse live. Paths come from FOLLOWUP_RAW_DIR / FOLLOWUP_WAREHOUSE_DIR at run time."""
from __future__ import annotations

import contextlib
from pathlib import Path

import dagster as dg
import duckdb

from . import config
from .ingest import ensure_schema


class FollowupPaths(dg.ConfigurableResource):
    """Raw and warehouse directories; empty = the contract's environment variables and defaults."""

    raw_dir: str = ""
    warehouse_dir: str = ""

    def raw(self) -> Path:
        return Path(self.raw_dir).resolve() if self.raw_dir else config.raw_dir()

    def warehouse(self) -> Path:
        return Path(self.warehouse_dir).resolve() if self.warehouse_dir else config.warehouse_dir()

    def build_db(self) -> Path:
        return self.warehouse() / ".build" / "build.duckdb"

    def dbt_target(self) -> Path:
        """dbt's target folder for this warehouse: its parse state and each run's artifacts."""
        return self.warehouse() / ".build" / "dbt"

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
