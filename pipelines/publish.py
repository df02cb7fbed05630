"""Write-audit-publish (contract sections 4 and 5).

The published warehouse `<warehouse>/followup.duckdb` is never written in place. Each publish
builds a complete new file next to it: every year that passed its gate in the build database,
plus, for every other year, the rows the previous published file already held (the last version
that passed). The new file is written with DuckDB's storage compatibility for v1.5 (Metabase's
DuckDB driver), checkpointed, fsynced and then renamed over the old one, which is kept as
`followup.prev.duckdb` for rollback. A reader holding the old file open keeps reading the old
file; its next connection sees the new one; nobody ever sees a mixture. A publish killed at any
moment leaves the published file as it was (at worst a stray temporary file, removed next time).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .config import duckdb_memory_limit

STORAGE_VERSION = "v1.5.0"  # readable by DuckDB 1.5 (Metabase's DuckDB driver)
YEARLY_TABLES = ("dim_org_unit", "fct_measure_value", "dim_goal", "fct_goal_outcome", "fct_goal_status", "fct_activity")
GLOBAL_TABLES = ("dim_kommun", "dim_measure")
PUBLISHED = "followup.duckdb"
PREVIOUS = "followup.prev.duckdb"
TEMPORARY = ".followup.duckdb.tmp"


@dataclass
class PublishResult:
    path: Path
    published_years: list[int] = field(default_factory=list)  # passed now, taken from this build
    kept_years: list[int] = field(default_factory=list)  # not passed now; last passed version kept
    table_rows: dict[str, int] = field(default_factory=dict)


@contextlib.contextmanager
def publish_lock(warehouse: Path):
    """One publisher at a time (the CLI, a sensor's run and a schedule's run may overlap)."""
    warehouse.mkdir(parents=True, exist_ok=True)
    with open(warehouse / ".publish.lock", "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _tables(con, catalog: str, schema: str = "marts") -> set[str]:
    return {r[0] for r in con.execute(
        "select table_name from duckdb_tables() where database_name = ? and schema_name = ?", [catalog, schema]).fetchall()}


def publish(build_db: Path, warehouse: Path) -> PublishResult:
    target = warehouse / PUBLISHED
    tmp = warehouse / TEMPORARY
    with publish_lock(warehouse):
        for stray in (tmp, tmp.with_name(tmp.name + ".wal")):
            stray.unlink(missing_ok=True)
        con = duckdb.connect(config={"memory_limit": duckdb_memory_limit()})
        try:
            con.execute(f"attach '{build_db}' as b (read_only)").fetchall()
            has_old = target.exists()
            if has_old:
                con.execute(f"attach '{target}' as old (read_only)").fetchall()
            con.execute(f"attach '{tmp}' as new (storage_version '{STORAGE_VERSION}')").fetchall()
            con.execute("create schema new.marts").fetchall()
            passed = [r[0] for r in con.execute("select year from b.audit.year_gate where passed order by year").fetchall()]
            build_tables = _tables(con, "b")
            old_tables = _tables(con, "old") if has_old else set()
            old_years: list[int] = []
            if "publish_year" in old_tables:
                old_years = [r[0] for r in con.execute("select year from old.marts.publish_year order by year").fetchall()]
            kept = [y for y in old_years if y not in passed]
            result = PublishResult(target, passed, kept)
            passed_sql = "(" + ",".join(str(y) for y in passed) + ")" if passed else "(null)"
            kept_sql = "(" + ",".join(str(y) for y in kept) + ")" if kept else "(null)"
            for table in YEARLY_TABLES:
                parts = []
                if table in build_tables:
                    parts.append(f"select * from b.marts.{table} where year in {passed_sql}")
                if table in old_tables:
                    parts.append(f"select * from old.marts.{table} where year in {kept_sql}")
                if not parts:
                    continue
                con.execute(f"create table new.marts.{table} as {' union all by name '.join(parts)} order by all").fetchall()
            for table in GLOBAL_TABLES:
                source = "b" if table in build_tables else ("old" if table in old_tables else None)
                if source:
                    con.execute(f"create table new.marts.{table} as select * from {source}.marts.{table} order by all").fetchall()
            # which years the file holds, and since when: a dashboard can show "data as of"
            con.execute("create table new.marts.publish_year (year integer, published_at timestamp, passed_this_run boolean)").fetchall()
            con.execute(f"insert into new.marts.publish_year select year, checked_at, true from b.audit.year_gate where year in {passed_sql}").fetchall()
            if kept:
                con.execute(f"insert into new.marts.publish_year select year, published_at, false from old.marts.publish_year where year in {kept_sql}").fetchall()
            for table in _tables(con, "new"):
                result.table_rows[table] = con.execute(f"select count(*) from new.marts.{table}").fetchall()[0][0]
            con.execute("checkpoint new").fetchall()
            con.execute("detach new").fetchall()
        finally:
            con.close()
        _fsync(tmp)
        if target.exists():
            prev_tmp = warehouse / (PREVIOUS + ".tmp")
            prev_tmp.unlink(missing_ok=True)
            os.link(target, prev_tmp)
            os.replace(prev_tmp, warehouse / PREVIOUS)
        os.replace(tmp, target)
        _fsync(warehouse)
    return result


def rollback(warehouse: Path) -> Path:
    """Put the previous published file back (and keep the current one as the new 'previous')."""
    target, prev = warehouse / PUBLISHED, warehouse / PREVIOUS
    if not prev.exists():
        raise FileNotFoundError(f"no previous version to roll back to ({prev} is missing)")
    with publish_lock(warehouse):
        swap = warehouse / (PREVIOUS + ".swap")
        swap.unlink(missing_ok=True)
        if target.exists():
            os.link(target, swap)
        os.replace(prev, target)
        if swap.exists():
            os.replace(swap, prev)
        _fsync(warehouse)
    return target
