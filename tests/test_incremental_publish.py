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

import duckdb
import pytest

from pipelines.publish import PUBLISHED, publish

from .conftest import REPO, change_staff_answer, e2e_two_years
from .test_publish_safety import env_for, run_cli

YEARLY = ("dim_org_unit", "fct_measure_value", "dim_goal", "fct_goal_outcome", "fct_goal_status", "fct_activity")


def snapshot(path) -> dict[str, list]:
    """Every table of the file (any schema) with its rows in a canonical order."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute("select schema_name, table_name from duckdb_tables() order by all").fetchall()
        return {f"{s}.{t}": con.execute(f"select * from {s}.{t} order by all").fetchall() for s, t in tables}
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
    assert set(inc) == set(full) and len(inc) == 9
    for table in full:
        assert inc[table] == full[table], table
    assert results["incremental"].table_rows == results["full"].table_rows
    assert snapshot(history["changed"] / PUBLISHED) == full     # what the CLI published
    assert years_rows(files["incremental"], 2022) != years_rows(history["first"] / PUBLISHED, 2022)  # 2022 did change
    assert years_rows(files["incremental"], 2021) == years_rows(history["first"] / PUBLISHED, 2021)
    assert storage_version(files["incremental"]) == "v1.5.0+"


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
    expected = {t.split(".", 1)[1]: len(rows) for t, rows in snapshot(path).items()}
    script = ("import duckdb, sys, json; c = duckdb.connect(sys.argv[1], read_only=True); "
              "ts = [r[0] for r in c.execute(\"select table_name from duckdb_tables() where schema_name = 'marts'\").fetchall()]; "
              "print(duckdb.__version__); "
              "print(json.dumps({t: c.execute(f'select count(*) from (select * from marts.{t} order by all)').fetchall()[0][0] for t in ts}))")
    out = subprocess.run([str(duckdb15_python), "-c", script, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, counts = out.stdout.splitlines()
    import json

    assert version == "1.5.5" and json.loads(counts) == expected
