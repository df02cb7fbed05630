"""Incremental publish (pipelines/publish.py): a copy of the old published file in which only the
replaced years change must hold exactly what a full rewrite would write, keep a failed year's
last published rows, change nothing when nothing changed, fall back to the full rewrite when the
old file's tables differ from the build's, and stay readable by DuckDB 1.5 (Metabase).

Real builds: the e2e fixture with its 2022 folders copied to 2021 (two years), published by the
CLI; then 2022 changed (`--year 2022`); then 2022 broken (`--year 2022`, the gate fails)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipelines.publish import PUBLISHED, publish

from .conftest import REPO, change_staff_answer, e2e_two_years
from .test_publish_safety import env_for, run_cli

YEARLY = ("dim_org_unit", "fct_measure_value", "dim_goal", "fct_goal_outcome", "fct_goal_status", "fct_activity")


def snapshot(path) -> dict[str, list]:
    """Every table and view of the file (any schema) with its rows in a canonical order; a view
    also with its SQL (key `<schema>.<view> sql`)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        views = con.execute("select schema_name, view_name, sql from duckdb_views() where not internal order by all").fetchall()
        out = {f"{s}.{t}": con.execute(f"select * from {s}.{t} order by all").fetchall() for s, t in tables}
        out.update({f"{s}.{v}": con.execute(f"select * from {s}.{v} order by all").fetchall() for s, v, _ in views})
        out.update({f"{s}.{v} sql": [sql] for s, v, sql in views})
        return out
    finally:
        con.close()


def years_rows(path, year: int) -> dict[str, list]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {t: con.execute(f"select * from marts.{t} where year = ? order by all", [year]).fetchall() for t in YEARLY}
    finally:
        con.close()


def storage_version(path) -> str:
    con = duckdb.connect()
    try:
        con.execute(f"attach '{path}' as f (read_only)")
        return con.execute("select tags['storage_version'] from duckdb_databases() where database_name = 'f'").fetchall()[0][0]
    finally:
        con.close()


def last_publish_metadata(wh) -> dict:
    """The metadata of the last `published_warehouse` materialization in the warehouse's Dagster instance."""
    import dagster as dg

    saved = dict(os.environ)
    os.environ.update(env_for(wh.parent / "raw", wh))
    try:
        with dg.DagsterInstance.get() as instance:
            event = instance.get_latest_materialization_event(dg.AssetKey("published_warehouse"))
            return {k: v.value for k, v in event.asset_materialization.metadata.items()}
    finally:
        os.environ.clear()
        os.environ.update(saved)


def copy_wh(src, dest):
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".dagster"))
    return dest


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Three published states of one warehouse, each with its build database and published file."""
    base = tmp_path_factory.mktemp("incremental")
    raw, wh = base / "raw", base / "warehouse"
    e2e_two_years(raw)
    states = {}

    def keep(name):
        d = base / name
        d.mkdir()
        shutil.copyfile(wh / ".build" / "build.duckdb", d / "build.duckdb")
        shutil.copyfile(wh / PUBLISHED, d / PUBLISHED)
        states[name] = d

    out = run_cli(raw, wh)                                   # 1: both years, first publish (full)
    assert out.returncode == 0, out.stdout + out.stderr
    keep("first")
    states["first_meta"] = last_publish_metadata(wh)
    change_staff_answer(raw)                                 # 2: 2022 changed (as changed_copy does)
    p = raw / "medarbetarenkat" / "2022" / "0483.csv"
    out = run_cli(raw, wh, "--year", "2022")
    assert out.returncode == 0, out.stdout + out.stderr
    keep("changed")
    states["changed_meta"] = last_publish_metadata(wh)
    data = p.read_bytes()                                    # 3: 2022 broken, its gate fails
    p.write_bytes(data[: len(data) - 20])
    out = run_cli(raw, wh, "--year", "2022")
    assert out.returncode == 1, out.stdout + out.stderr
    keep("failed")
    states["failed_meta"] = last_publish_metadata(wh)
    return states


def both_ways(tmp_path, build, old):
    """Publish `build` over a copy of `old` incrementally and, on another copy, by a full rewrite."""
    results, files = {}, {}
    for mode, incremental in (("incremental", True), ("full", False)):
        wh = tmp_path / mode
        wh.mkdir()
        shutil.copyfile(old, wh / PUBLISHED)
        results[mode] = publish(build, wh, incremental=incremental)
        files[mode] = wh / PUBLISHED
    return results, files


def test_first_publish_is_full_and_a_changed_year_is_published_incrementally(history):
    assert history["first_meta"]["mode"] == "full"
    assert history["changed_meta"]["mode"] == "incremental"
    assert history["changed_meta"]["replaced_years"] == "[2022]"
    assert history["changed_meta"]["published_years"] == "[2021, 2022]"


def test_incremental_equals_full_rewrite(history, tmp_path):
    results, files = both_ways(tmp_path, history["changed"] / "build.duckdb", history["first"] / PUBLISHED)
    assert results["incremental"].mode == "incremental" and results["incremental"].replaced_years == [2022]
    assert results["full"].mode == "full"
    inc, full = snapshot(files["incremental"]), snapshot(files["full"])
    assert set(inc) == set(full) and len(inc) == 10 + 2 * 5  # tables; views with their SQL
    for table in full:
        assert inc[table] == full[table], table
    assert results["incremental"].table_rows == results["full"].table_rows
    assert snapshot(history["changed"] / PUBLISHED) == full     # what the CLI published
    assert years_rows(files["incremental"], 2022) != years_rows(history["first"] / PUBLISHED, 2022)  # 2022 did change
    assert years_rows(files["incremental"], 2021) == years_rows(history["first"] / PUBLISHED, 2021)
    assert storage_version(files["incremental"]) == "v1.5.0+"


def test_yearly_tables_are_stored_in_the_order_of_all_their_columns(history, tmp_path):
    """Each year's rows of a yearly table lie in `order by all` (fct_measure_value is sorted by its
    grain, publish.ORDER, which must give that order), in a full rewrite and an incremental copy."""
    results, files = both_ways(tmp_path, history["changed"] / "build.duckdb", history["first"] / PUBLISHED)
    for path in files.values():
        with duckdb.connect(str(path), read_only=True) as con:
            for table in YEARLY:
                stored: dict = {}
                for row in con.execute(f"select year, * from marts.{table}").fetchall():  # in the file's order
                    stored.setdefault(row[0], []).append(row[1:])
                assert stored or table != "fct_measure_value", (path, table)
                for year, rows in stored.items():
                    assert rows == con.execute(f"select * from marts.{table} where year = ? order by all", [year]).fetchall(), (path, table, year)


def test_failed_year_keeps_its_old_rows(history, tmp_path):
    assert history["failed_meta"]["mode"] == "incremental"
    assert history["failed_meta"]["replaced_years"] == "[]"
    before, after = history["changed"] / PUBLISHED, history["failed"] / PUBLISHED
    assert years_rows(after, 2022) == years_rows(before, 2022)
    assert years_rows(after, 2021) == years_rows(before, 2021)
    con = duckdb.connect(str(after), read_only=True)
    try:
        assert con.execute("select year, passed_this_run from marts.publish_year order by year").fetchall() == [(2021, True), (2022, False)]
    finally:
        con.close()
    results, files = both_ways(tmp_path, history["failed"] / "build.duckdb", before)
    assert results["incremental"].mode == "incremental" and results["incremental"].kept_years == [2022]
    assert snapshot(files["incremental"]) == snapshot(files["full"]) == snapshot(after)


def test_republish_with_nothing_changed_leaves_the_data_identical(history, tmp_path):
    old = history["changed"] / PUBLISHED
    wh = tmp_path / "warehouse"
    wh.mkdir()
    shutil.copyfile(old, wh / PUBLISHED)
    result = publish(history["changed"] / "build.duckdb", wh)
    assert result.mode == "incremental" and result.replaced_years == []
    assert snapshot(wh / PUBLISHED) == snapshot(old)
    assert (wh / "followup.prev.duckdb").read_bytes() == old.read_bytes()  # the old file, untouched, kept for rollback


@pytest.mark.parametrize("change", [
    "alter table marts.fct_measure_value alter column n_answers type double",
    "alter table marts.dim_org_unit rename column niva to level",
    "drop table marts.fct_activity",
    "alter table marts.dim_kommun add column extra integer",
    "create table main.extra as select 1 as x",
    "update marts.publish_year set published_at = published_at - interval 1 second",  # every year changed
])
def test_fallback_to_full_rewrite_when_the_old_file_differs(history, tmp_path, change):
    old = tmp_path / "old.duckdb"
    shutil.copyfile(history["first"] / PUBLISHED, old)
    con = duckdb.connect(str(old))
    try:
        con.execute(change)
        con.execute("checkpoint")
    finally:
        con.close()
    results, files = both_ways(tmp_path, history["changed"] / "build.duckdb", old)
    assert results["incremental"].mode == "full" and results["incremental"].reason  # fell back
    assert snapshot(files["incremental"]) == snapshot(files["full"])


def _copy_with(source: Path, copy: Path, statements) -> Path:
    """A copy of the DuckDB file `source` with `statements` run in it (checkpointed)."""
    copy.parent.mkdir(exist_ok=True)
    shutil.copyfile(source, copy)
    con = duckdb.connect(str(copy))
    try:
        for statement in statements:
            con.execute(statement)
        con.execute("checkpoint")
    finally:
        con.close()
    return copy


def changed_build(history, tmp_path, *statements) -> Path:
    """A copy of the `changed` state's build database (named build.duckdb: its catalog is `build`,
    as dbt's is) with `statements` run in it."""
    return _copy_with(history["changed"] / "build.duckdb", tmp_path / "b" / "build.duckdb", statements)


def old_file(history, tmp_path, *statements) -> Path:
    """A copy of the first published file with `statements` run in it."""
    return _copy_with(history["first"] / PUBLISHED, tmp_path / "old.duckdb", statements)


def test_incremental_publish_takes_the_builds_view_definitions(history, tmp_path):
    """A view whose definition changed, a view the build no longer has and views the old file holds
    beyond the published ones: the incremental copy ends with exactly the build's views, as the
    full rewrite does, and stays incremental."""
    build = changed_build(history, tmp_path,
                          "create or replace view marts.v_goal_tree as select kommunkod, year, goal_id from marts.dim_goal",
                          "comment on view marts.v_goal_tree is 'Changed'",
                          "drop view marts.v_kolada_ranking")
    old = old_file(history, tmp_path, "create view marts.v_old as select 1 as x", "create view main.v_extra as select 2 as y")
    results, files = both_ways(tmp_path, build, old)
    assert results["incremental"].mode == "incremental" and results["incremental"].replaced_years == [2022]
    inc, full = snapshot(files["incremental"]), snapshot(files["full"])
    assert inc == full
    views = {k for k in inc if k.endswith(" sql")}
    assert views == {f"marts.{v} sql" for v in ("v_goal_tree", "v_indicator", "v_measure_series", "v_unit_survey")}
    assert inc["marts.v_goal_tree sql"] == ["CREATE VIEW marts.v_goal_tree AS SELECT kommunkod, \"year\", goal_id FROM marts.dim_goal;"]
    con = duckdb.connect(str(files["incremental"]), read_only=True)
    try:
        assert con.execute("select comment from duckdb_views() where view_name = 'v_goal_tree'").fetchall() == [("Changed",)]
    finally:
        con.close()


def test_a_file_published_before_the_views_is_updated_incrementally(history, tmp_path):
    """A file from before issue 14 (no views, no marts.dim_code_label) gets both in an incremental
    publish (dim_code_label is a global table, rewritten by every publish)."""
    views = ("v_goal_tree", "v_indicator", "v_measure_series", "v_unit_survey", "v_kolada_ranking")
    old = old_file(history, tmp_path, "drop table marts.dim_code_label", *(f"drop view marts.{v}" for v in views))
    results, files = both_ways(tmp_path, history["changed"] / "build.duckdb", old)
    assert results["incremental"].mode == "incremental"
    assert snapshot(files["incremental"]) == snapshot(files["full"]) == snapshot(history["changed"] / PUBLISHED)


def test_a_view_naming_the_build_catalog_fails_the_publish(history, tmp_path):
    """Such a view would not bind for a reader (who has no `build` database): the publish fails and
    leaves the published file as it was, on either path. (DuckDB 2.0 drops a view's own catalog
    from the SQL it stores, DuckDB 1.5 keeps it; here the view names a database attached as
    `build` beside the build, so any DuckDB keeps the name, as 1.5 would for the build's own.)"""
    build = changed_build(history, tmp_path)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{build}' as x")
        con.execute(f"attach '{tmp_path / 'other.duckdb'}' as build")
        con.execute("create schema build.marts")
        con.execute("create table build.marts.dim_goal as select * from x.marts.dim_goal")
        con.execute("create or replace view x.marts.v_goal_tree as select * from build.marts.dim_goal")
        assert "build.marts.dim_goal" in con.execute("select sql from duckdb_views() where database_name = 'x' "
                                                     "and view_name = 'v_goal_tree'").fetchall()[0][0]
    finally:
        con.close()
    for incremental in (True, False):
        wh = tmp_path / f"warehouse-{incremental}"
        wh.mkdir()
        shutil.copyfile(history["first"] / PUBLISHED, wh / PUBLISHED)
        before = (wh / PUBLISHED).read_bytes()
        with pytest.raises(duckdb.Error, match="build"):
            publish(build, wh, incremental=incremental)
        assert (wh / PUBLISHED).read_bytes() == before
        assert not (wh / ".followup.duckdb.tmp").exists()


def test_fallback_to_full_rewrite_when_the_old_file_is_mostly_free_space(history, tmp_path, monkeypatch):
    import pipelines.publish

    wh = tmp_path / "warehouse"
    wh.mkdir()
    shutil.copyfile(history["changed"] / PUBLISHED, wh / PUBLISHED)  # an incremental publish left free blocks
    monkeypatch.setattr(pipelines.publish, "MIN_FREE_BYTES", 0)      # the fixture's file is tiny
    monkeypatch.setattr(pipelines.publish, "MAX_FREE_SHARE", 0.0)
    result = publish(history["changed"] / "build.duckdb", wh)
    assert result.mode == "full" and "free space" in result.reason
    assert snapshot(wh / PUBLISHED) == snapshot(history["changed"] / PUBLISHED)


def test_killed_incremental_publish_leaves_the_published_file_intact(history, tmp_path):
    wh = tmp_path / "warehouse"
    wh.mkdir()
    target, build = wh / PUBLISHED, history["changed"] / "build.duckdb"
    shutil.copyfile(history["first"] / PUBLISHED, target)
    before = target.read_bytes()
    code = f"from pathlib import Path; from pipelines.publish import publish; publish(Path({str(build)!r}), Path({str(wh)!r}))"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO)
    try:
        tmp = wh / ".followup.duckdb.tmp"
        deadline = time.monotonic() + 60
        while not tmp.exists() and time.monotonic() < deadline:  # the copy is being made or changed
            time.sleep(0.002)
        assert tmp.exists(), "the publish never started"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert target.read_bytes() == before                                # byte-identical
    result = publish(build, wh)                                         # the next publish recovers
    assert result.mode == "incremental" and result.replaced_years == [2022]
    assert not (wh / ".followup.duckdb.tmp").exists()
    assert snapshot(target) == snapshot(history["changed"] / PUBLISHED)


def test_incrementally_published_file_opens_in_duckdb_1_5(history, duckdb15_python):
    """DuckDB 2.0 writing into a file made with storage_version v1.5.0 keeps that version: 1.5.5 reads it."""
    assert history["changed_meta"]["mode"] == "incremental"
    path = history["changed"] / PUBLISHED
    assert storage_version(path) == "v1.5.0+"
    expected = {t.split(".", 1)[1]: len(rows) for t, rows in snapshot(path).items() if not t.endswith(" sql")}
    script = ("import duckdb, sys, json; c = duckdb.connect(sys.argv[1], read_only=True); "
              "ts = [r[0] for r in c.execute(\"select table_name from duckdb_tables() where schema_name = 'marts' union all "
              "select view_name from duckdb_views() where schema_name = 'marts' and not internal\").fetchall()]; "
              "print(duckdb.__version__); "
              "print(json.dumps({t: c.execute(f'select count(*) from (select * from marts.{t} order by all)').fetchall()[0][0] for t in ts}))")
    out = subprocess.run([str(duckdb15_python), "-c", script, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, counts = out.stdout.splitlines()
    import json

    assert version == "1.5.5" and json.loads(counts) == expected
