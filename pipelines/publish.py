"""Write-audit-publish (contract sections 4 and 5).

The published warehouse `<warehouse>/followup.duckdb` is never written in place. Each publish
builds a new file next to it holding every year that passed its gate in the build database,
plus, for every other year, the rows the previous published file already held (the last version
that passed). Usually the new file starts as a byte copy of the old one in which only the
replaced years change (incremental: a passed year whose gate time differs from the old file's
`marts.publish_year.published_at`; the small global tables and `publish_year` are rewritten), so
the cost follows the changed years, not the history. A full rewrite is made instead on the first
publish, when the old file's tables or columns differ from the build's, when most years changed
(then a rewrite costs the same and leaves no free space) or when the old file has too much free
space (see MAX_FREE_SHARE); both paths give the same rows, the same views (VIEWS, each made again
from the build's definition by both paths; see _write_views) and the same table, view and column
comments (the build's, from the dbt YAML; see _write_comments). The file is in DuckDB's
storage version v1.5 (Metabase's DuckDB driver; DuckDB keeps an existing file's version when it
writes into it), checkpointed, fsynced and then renamed over the old one, which is kept as
`followup.prev.duckdb` for rollback. A reader holding the old file open keeps reading the old
file; its next connection sees the new one; nobody ever sees a mixture. A publish killed at any
moment leaves the published file as it was (at worst a stray temporary file, removed next time).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from .config import duckdb_memory_limit

STORAGE_VERSION = "v1.5.0"  # readable by DuckDB 1.5 (Metabase's DuckDB driver)
YEARLY_TABLES = ("dim_org_unit", "fct_measure_value", "dim_goal", "fct_goal_outcome", "fct_goal_status", "fct_activity")
GLOBAL_TABLES = ("dim_kommun", "dim_measure", "dim_code_label")
# The views of the published file (dbt_project/models/views, docs/bi.md), in schema marts beside the
# tables. Their SQL is the build's (duckdb_views()), which names no catalog (macros/labels.sql).
VIEWS = ("v_goal_tree", "v_indicator", "v_measure_series", "v_unit_survey", "v_kolada_ranking")
# A table's rows are written in one order, so a file holds the same bytes however the build
# produced them: `order by all`, or for the largest table its grain, whose columns come first and
# are unique (dbt's unique_combination test on it), so the order is the same and the sort compares
# six columns, not eleven (a national year ~0.15 s less).
ORDER = {"fct_measure_value": "measure_id, kommunkod, year, enhet, group_type, group_value"}
PUBLISHED = "followup.duckdb"
PREVIOUS = "followup.prev.duckdb"
TEMPORARY = ".followup.duckdb.tmp"
# Replacing years leaves free blocks in the file (reused by later publishes); when more than this
# share of the old file (and more than MIN_FREE_BYTES) is free, the publish is a full rewrite instead.
MAX_FREE_SHARE = 0.25
MIN_FREE_BYTES = 32 * 1024 * 1024


@dataclass
class PublishResult:
    path: Path
    published_years: list[int] = field(default_factory=list)  # passed now, taken from this build
    kept_years: list[int] = field(default_factory=list)  # not passed now; last passed version kept
    table_rows: dict[str, int] = field(default_factory=dict)
    mode: str = "full"  # 'incremental': a copy of the old file with only the replaced years changed
    replaced_years: list[int] = field(default_factory=list)  # years whose rows were (re)written from the build
    reason: str | None = None  # why the publish was a full rewrite (None when incremental)


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


def _views(con, catalog: str, schema: str = "marts") -> set[str]:
    return {r[0] for r in con.execute(
        "select view_name from duckdb_views() where database_name = ? and schema_name = ? and not internal",
        [catalog, schema]).fetchall()}


def _columns(con, catalog: str, table: str) -> list[tuple[str, str]]:
    return [tuple(r) for r in con.execute(
        """select column_name, data_type from duckdb_columns()
           where database_name = ? and schema_name = 'marts' and table_name = ? order by column_index""",
        [catalog, table]).fetchall()]


def _years_sql(years) -> str:
    return "(" + ",".join(str(int(y)) for y in sorted(years)) + ")" if years else "(null)"


# marts.publish_year is made here, not by dbt, so its descriptions (comments in the file) are here;
# every other table's and column's comment is copied from the build (the dbt YAML, persist_docs).
PUBLISH_YEAR_DESCRIPTION = "Which years the file holds and since when (a dashboard's 'data as of'); written by each publish."
PUBLISH_YEAR_SPEC = [
    ("year", "INTEGER", "A year the file holds."),
    ("published_at", "TIMESTAMP", "When the year's rows passed their checks (the gate time of the build that published them)."),
    ("passed_this_run", "BOOLEAN", "True when the year passed its checks in the build this publish took it from; "
                                   "false when it did not and its last published rows were kept."),
]
PUBLISH_YEAR_COLUMNS = [(name, data_type) for name, data_type, _ in PUBLISH_YEAR_SPEC]


def _order(table: str) -> str:
    return f"order by {ORDER.get(table, 'all')}"


def _quote(text: str | None) -> str:
    return "null" if text is None else "'" + text.replace("'", "''") + "'"


def _relations(con, catalog: str) -> dict[tuple[str, str | None], str | None]:
    """(relation, None) -> the table's or view's comment, (relation, column) -> the column's, in
    `catalog`.marts."""
    where = "database_name = ? and schema_name = 'marts'"
    return {(t, c): comment for t, c, comment in con.execute(
        f"""select table_name, null, comment from duckdb_tables() where {where}
            union all
            select view_name, null, comment from duckdb_views() where not internal and {where}
            union all
            select table_name, column_name, comment from duckdb_columns() where {where}""",
        [catalog] * 3).fetchall()}


def _write_comments(con, build_tables: set[str]) -> None:
    """Give every table, view and column of `new.marts` the comment it has in the build (from the
    dbt YAML), or, for a table only the old file holds (attached as `old` on a full rewrite), the
    old file's (an incremental copy of a table the build lacks keeps its own); publish_year gets
    PUBLISH_YEAR_SPEC's. Only differing comments are written: an incremental publish changes the
    catalog where the YAML changed (comments never decide between incremental and full)."""
    has_old = bool(con.execute("select count(*) from duckdb_databases() where database_name = 'old'").fetchall()[0][0])
    current = _relations(con, "new")
    views = _views(con, "new")
    build_relations = build_tables | _views(con, "b")
    # each catalog's comments read once: the old file's (a full rewrite), the build's
    sources = {"old": _relations(con, "old") if has_old else {}, "b": _relations(con, "b")}
    wanted = {}
    for relation in {t for t, _ in current}:
        if relation == "publish_year":
            wanted[(relation, None)] = PUBLISH_YEAR_DESCRIPTION
            wanted.update({(relation, name): text for name, _, text in PUBLISH_YEAR_SPEC})
            continue
        # the old file's first (a column or table only it holds), then the build's over them
        for source in ["old"] + (["b"] if relation in build_relations else []):
            wanted.update({key: text for key, text in sources[source].items() if key[0] == relation})
    for (relation, column), text in sorted(wanted.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        if (relation, column) not in current or (current[(relation, column)] or None) == (text or None):
            continue
        kind = "view" if relation in views else "table"
        target = f"{kind} new.marts.{relation}" if column is None else f'column new.marts.{relation}."{column}"'
        con.execute(f"comment on {target} is {_quote(text or None)}").fetchall()


def _write_views(con) -> None:
    """Make the views of `new` what the build defines: drop every view the file holds (an old
    definition, or a view no longer published) and create each of VIEWS the build has from its SQL
    in the build (`CREATE VIEW marts.<name> AS ...`, run with `new` as the default catalog). Views
    are catalog entries, so this costs nothing and both paths always carry the build's
    definitions. A view that does not bind in the new file (e.g. one naming the build's catalog,
    which a reader does not have) fails the publish, leaving the published file as it was."""
    for schema, view in con.execute("select schema_name, view_name from duckdb_views() "
                                    "where database_name = 'new' and not internal").fetchall():
        con.execute(f'drop view new."{schema}"."{view}"').fetchall()
    definitions = dict(con.execute("select view_name, sql from duckdb_views() where database_name = 'b' "
                                   "and schema_name = 'marts' and not internal").fetchall())
    con.execute("use new").fetchall()
    try:
        for view in VIEWS:
            if view in definitions:
                con.execute(definitions[view]).fetchall()
    finally:
        con.execute("use memory").fetchall()
    for view in _views(con, "new"):
        con.execute(f"select * from new.marts.{view} limit 0").fetchall()


def _incremental_obstacle(con, target: Path, build_tables: set[str]) -> str | None:
    """Why the old published file (attached as `old`) cannot be updated in a copy, or None if it can.

    The copy must end up exactly as a full rewrite would make it, so the old file must hold the
    tables a full rewrite would write and nothing else (views do not matter: both paths drop them
    and make the build's), each with the build's columns (names,
    types, order), in storage version v1.5, without a WAL and without much free space."""
    if target.with_name(target.name + ".wal").exists():
        return "the published file has a WAL"
    tags = con.execute("select tags from duckdb_databases() where database_name = 'old'").fetchall()[0][0]
    if (tags or {}).get("storage_version") != STORAGE_VERSION + "+":
        return f"the published file's storage version is {(tags or {}).get('storage_version')}, not {STORAGE_VERSION}"
    old_all = {(r[0], r[1]) for r in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = 'old'").fetchall()}
    allowed = {("marts", t) for t in (*YEARLY_TABLES, *GLOBAL_TABLES, "publish_year")}
    if extra := sorted(old_all - allowed):
        return f"the published file holds tables a full publish would not write: {extra}"
    old_tables = {t for s, t in old_all}
    if "publish_year" not in old_tables or _columns(con, "old", "publish_year") != PUBLISH_YEAR_COLUMNS:
        return "the published file has no marts.publish_year of the expected shape"
    for table in YEARLY_TABLES:
        if (table in build_tables) != (table in old_tables):
            return f"marts.{table} is in only one of the build and the published file"
    for table in (*YEARLY_TABLES, *GLOBAL_TABLES):
        if table in build_tables and table in old_tables and _columns(con, "b", table) != _columns(con, "old", table):
            return f"marts.{table} has other columns in the build than in the published file"
    total, free, block_size = con.execute(
        "select total_blocks, free_blocks, block_size from pragma_database_size() where database_name = 'old'").fetchall()[0]
    if free > total * MAX_FREE_SHARE and free * block_size > MIN_FREE_BYTES:  # a rewrite compacts the file
        return f"the published file has too much free space ({free} of {total} blocks)"
    return None


def published_state(path: Path) -> dict[int, tuple]:
    """year -> (published_at, passed_this_run) of the versions the published file holds."""
    if not path.exists():
        return {}
    con = duckdb.connect(str(path), read_only=True)
    try:
        if "publish_year" not in _tables(con, con.execute("select current_database()").fetchall()[0][0]):
            return {}
        return {r[0]: (r[1], r[2]) for r in con.execute("select year, published_at, passed_this_run from marts.publish_year").fetchall()}
    finally:
        con.close()


def _strays(warehouse: Path) -> tuple[Path, ...]:
    tmp = warehouse / TEMPORARY
    return tmp, tmp.with_name(tmp.name + ".wal"), warehouse / (PREVIOUS + ".tmp")


def remove_strays(warehouse: Path) -> None:
    """Temporary files of a publish that was killed (the published file itself is never touched)."""
    with publish_lock(warehouse):
        for stray in _strays(warehouse):
            stray.unlink(missing_ok=True)


def publish(build_db: Path, warehouse: Path, incremental: bool = True) -> PublishResult:
    """Publish the build's passed years (see the module docstring). `incremental=False` forces a
    full rewrite (the result is the same; tests compare the two)."""
    target = warehouse / PUBLISHED
    tmp = warehouse / TEMPORARY
    with publish_lock(warehouse):
        strays = _strays(warehouse)
        for stray in strays:
            stray.unlink(missing_ok=True)
        try:
            result = _publish_locked(build_db, warehouse, target, tmp, incremental)
        except BaseException:
            # a failed or interrupted publish leaves the published file as it was, and no temp file
            for stray in strays:
                with contextlib.suppress(OSError):
                    stray.unlink(missing_ok=True)
            raise
    return result


def _publish_locked(build_db: Path, warehouse: Path, target: Path, tmp: Path, incremental: bool) -> PublishResult:
    con = duckdb.connect(config={"memory_limit": duckdb_memory_limit()})
    try:
        con.execute(f"attach '{build_db}' as b (read_only)").fetchall()
        has_old = target.exists()
        if has_old:
            con.execute(f"attach '{target}' as old (read_only)").fetchall()
        passed = [r[0] for r in con.execute("select year from b.audit.year_gate where passed order by year").fetchall()]
        # what the build holds of the published tables: a table, or a view whose rows the publish
        # writes as a table (marts.fct_measure_value: its cells are stored in the build once, in
        # the tables the view reads, and here in the published table)
        build_tables = _tables(con, "b") | (_views(con, "b") & set(YEARLY_TABLES))
        old_tables = _tables(con, "old") if has_old else set()
        old_years: list[int] = []
        if "publish_year" in old_tables:
            old_years = [r[0] for r in con.execute("select year from old.marts.publish_year order by year").fetchall()]
        kept = [y for y in old_years if y not in passed]
        result = PublishResult(target, passed, kept)
        if not incremental:
            result.reason = "full rewrite requested"
        elif not has_old:
            result.reason = "no published file yet"
        else:
            result.reason = _incremental_obstacle(con, target, build_tables)
        if incremental and has_old and result.reason is None:
            # a passed year is replaced unless the old file holds exactly this pass of it
            replaced = [r[0] for r in con.execute(
                """select g.year from b.audit.year_gate g left join old.marts.publish_year p using (year)
                   where g.passed and p.published_at is distinct from g.checked_at order by g.year""").fetchall()]
            if 2 * len(replaced) > len(passed) + len(kept):  # e.g. `followup run` over every year
                result.reason = f"most years changed ({len(replaced)} of {len(passed) + len(kept)})"
            else:
                result.replaced_years = replaced
        if incremental and has_old and result.reason is None:
            con.execute("detach old").fetchall()
            shutil.copyfile(target, tmp)  # a copy, not a link: the old file stays as it is (readers, rollback)
            con.execute(f"attach '{tmp}' as new").fetchall()
            _write_incremental(con, result, old_years, build_tables)
        else:
            result.mode, result.replaced_years = "full", list(passed)
            con.execute(f"attach '{tmp}' as new (storage_version '{STORAGE_VERSION}')").fetchall()
            _write_full(con, result, build_tables, old_tables)
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


def _write_full(con, result: PublishResult, build_tables: set[str], old_tables: set[str]) -> None:
    """A complete new file: the passed years from the build, the kept years from the old file."""
    passed_sql, kept_sql = _years_sql(result.published_years), _years_sql(result.kept_years)
    con.execute("create schema new.marts").fetchall()
    for table in YEARLY_TABLES:
        parts = []
        if table in build_tables:
            parts.append((f"select * from b.marts.{table}", result.published_years))
        if table in old_tables:
            parts.append((f"select * from old.marts.{table}", result.kept_years))
        if not parts:
            continue
        con.execute(f"create table new.marts.{table} as {' union all by name '.join(p for p, _ in parts)} limit 0").fetchall()
        # a year at a time, each sorted: the file holds year after year, each in one order (a
        # national fct_measure_value of 18 years sorted at once spills: 15.9 s against 9.5 s)
        for source, years in parts:
            for year in sorted(years):
                con.execute(f"insert into new.marts.{table} by name {source} where year = {int(year)} {_order(table)}").fetchall()
    for table in GLOBAL_TABLES:
        source = "b" if table in build_tables else ("old" if table in old_tables else None)
        if source:
            con.execute(f"create table new.marts.{table} as select * from {source}.marts.{table} order by all").fetchall()
    # which years the file holds, and since when: a dashboard can show "data as of"
    con.execute(f"create table new.marts.publish_year ({', '.join(f'{n} {t}' for n, t in PUBLISH_YEAR_COLUMNS)})").fetchall()
    con.execute(f"insert into new.marts.publish_year select year, checked_at, true from b.audit.year_gate where year in {passed_sql}").fetchall()
    if result.kept_years:
        con.execute(f"insert into new.marts.publish_year select year, published_at, false from old.marts.publish_year where year in {kept_sql}").fetchall()
    _write_views(con)
    _write_comments(con, build_tables)


def _write_incremental(con, result: PublishResult, old_years: list[int], build_tables: set[str]) -> None:
    """Change a copy of the old file (attached as `new`) into what `_write_full` would write."""
    tags = con.execute("select tags from duckdb_databases() where database_name = 'new'").fetchall()[0][0]
    if (tags or {}).get("storage_version") != STORAGE_VERSION + "+":  # an existing file keeps its version
        raise RuntimeError(f"the copy of the published file opened with storage version {tags}")
    result.mode = "incremental"
    passed_sql, kept_sql = _years_sql(result.published_years), _years_sql(result.kept_years)
    replaced = result.replaced_years
    # years to take out: the replaced ones, and any old year neither passed now nor kept (none
    # by today's rule, kept = every old year not passed now; here so the two paths agree anyway)
    drop = sorted(set(replaced) | (set(old_years) - set(result.published_years) - set(result.kept_years)))
    for table in YEARLY_TABLES:
        if drop:
            con.execute(f"delete from new.marts.{table} where year in {_years_sql(drop)}").fetchall()
        if table in build_tables:
            for year in sorted(replaced):  # a year at a time, as _write_full
                con.execute(f"insert into new.marts.{table} by name select * from b.marts.{table} "
                            f"where year = {int(year)} {_order(table)}").fetchall()
    for table in GLOBAL_TABLES:  # small: as the full rewrite does
        if table in build_tables:
            con.execute(f"drop table if exists new.marts.{table}").fetchall()
            con.execute(f"create table new.marts.{table} as select * from b.marts.{table} order by all").fetchall()
    con.execute(f"""create temp table publish_year as
                    select year, checked_at as published_at, true as passed_this_run from b.audit.year_gate where year in {passed_sql}
                    union all
                    select year, published_at, false from new.marts.publish_year where year in {kept_sql}""").fetchall()
    con.execute("delete from new.marts.publish_year").fetchall()
    con.execute("insert into new.marts.publish_year select * from temp.publish_year").fetchall()
    _write_views(con)  # a changed definition, a view added or dropped: as the full rewrite
    _write_comments(con, build_tables)  # the recreated global tables and views, and any description changed in the YAML


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
