"""A run's dbt build creates the views (staging and the published v_*) only when they can have
changed (pipelines/dbt_views.py): the same code and the same view SQL in the build database as
the last passed build that created them. Real runs on tests/fixtures/goals_raw."""
from __future__ import annotations

import json
from pathlib import Path

import duckdb

from pipelines import dbt_views

from .conftest import FIXTURES, REPO, run_once

GOALS = FIXTURES / "goals_raw"


def project_views() -> list[tuple[str, str]]:
    return dbt_views.expected(json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text()))


def published(wh: Path) -> tuple[dict, dict]:
    """Each published view's SQL and rows, and each published table's rows (but publish_year's,
    which says when and by which run)."""
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        views = {name: (sql, con.execute(f"select * from marts.{name} order by all").fetchall())
                 for name, sql in con.execute("select view_name, sql from duckdb_views() where not internal").fetchall()}
        tables = {name: con.execute(f"select * from marts.{name} order by all").fetchall()
                  for (name,) in con.execute("select table_name from duckdb_tables() where schema_name = 'marts' and table_name <> 'publish_year'").fetchall()}
        return views, tables
    finally:
        con.close()


def build_view_sql(wh: Path, schema: str, name: str) -> str | None:
    con = duckdb.connect(str(wh / ".build" / "build.duckdb"), read_only=True)
    try:
        row = con.execute("select sql from duckdb_views() where schema_name = ? and view_name = ?", [schema, name]).fetchone()
        return row[0] if row else None
    finally:
        con.close()


def alter(wh: Path, sql: str) -> None:
    con = duckdb.connect(str(wh / ".build" / "build.duckdb"))
    try:
        con.execute(sql)
    finally:
        con.close()


def test_views_are_created_again_only_when_they_can_have_changed(tmp_path, capsys):
    wh = tmp_path / "wh"
    n_views = len(project_views())
    assert n_views >= 16

    def run() -> str:
        capsys.readouterr()
        assert run_once(GOALS, wh, "run", "--force", "--no-reports") == 0
        return next(line for line in capsys.readouterr().out.splitlines() if line.startswith("dbt "))

    first = run()  # a new build database: every view is created
    assert "views unchanged" not in first, first
    views, tables = published(wh)
    assert len(views) == 5 and all(rows for _, rows in views.values())
    kpis_sql = build_view_sql(wh, "staging", "stg_kolada__kpis")

    again = run()  # same code, same views: left out, and the published file is the same
    assert f"{n_views} views unchanged" in again, again
    models = lambda line: int(line.split("ok")[1].split("models")[0])  # noqa: E731
    assert models(first) - models(again) == n_views
    assert published(wh) == (views, tables)

    # an analyst's `dbt build` of an edited view into the same database: created again
    alter(wh, "create or replace view staging.stg_kolada__kpis as select 1 as kpi")
    assert "views unchanged" not in run()
    assert build_view_sql(wh, "staging", "stg_kolada__kpis") == kpis_sql
    assert published(wh) == (views, tables)
    assert "views unchanged" in run()

    # a view dropped: created again
    alter(wh, "drop view marts.v_goal_tree")
    assert "views unchanged" not in run()
    assert published(wh) == (views, tables)

    # other code or versions than made them (as after an upgrade): created again
    alter(wh, "update audit.dbt_views set fingerprint = 'another'")
    assert "views unchanged" not in run()
    assert "views unchanged" in run()
    assert published(wh) == (views, tables)
