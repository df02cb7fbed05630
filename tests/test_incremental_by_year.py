"""The survey models build a run's years one statement a year (dbt_project/macros/
incremental_by_year.sql), with the same rows as one statement over all of them (dbt by hand)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from .conftest import REPO, e2e_two_years, run_once

MODELS = ("int_survey__answer_stats", "int_survey__question_cells", "int_survey__question_cells_suppressed",
          "int_survey__aggregate_cells_suppressed")
BY_YEAR = MODELS[2:]  # answer_stats and question_cells are views, read by question_cells_suppressed a year at a time


def rows(db: Path) -> dict[str, list]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {m: con.execute(f"select * from intermediate.{m} order by all").fetchall() for m in MODELS}
    finally:
        con.close()


def test_a_run_builds_the_survey_models_a_year_at_a_time_with_the_same_rows(tmp_path):
    raw, wh = e2e_two_years(tmp_path / "raw"), tmp_path / "wh"
    assert run_once(raw, wh, "run", "--no-reports") == 0
    events = [json.loads(line) for line in (wh / ".build" / "dbt" / "dbt.log").read_text().splitlines() if line.startswith("{")]
    for model in BY_YEAR:
        sql = [e["data"]["sql"] for e in events if e["info"]["name"] == "SQLQuery"
               and e["data"].get("node_info", {}).get("unique_id") == f"model.followup.{model}"]
        assert any("in (2021)" in s for s in sql) and any("in (2022)" in s for s in sql), model
        assert not any("in (select year from audit.build_year)" in s for s in sql), model
    by_year = rows(wh / ".build" / "build.duckdb")
    assert all(by_year[m] for m in MODELS)
    assert {r[1] for r in by_year["int_survey__question_cells_suppressed"]} == {2021, 2022}

    # the same models by hand, every year in one statement each, from scratch (--full-refresh)
    env = {**os.environ, "FOLLOWUP_BUILD_DB": str(wh / ".build" / "build.duckdb")}
    out = subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--full-refresh", "--select", *MODELS,
                          "--target-path", str(tmp_path / "t"), "--log-path", str(tmp_path / "t")],
                         cwd=REPO / "dbt_project", env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    assert rows(wh / ".build" / "build.duckdb") == by_year
