"""Comments in the published file: every table, view and column of `marts` carries the description
of the dbt YAML (dbt_project/models/marts/*.yml and models/views/*.yml, the one place;
persist_docs puts it in the build, the publish copies it), after a full and after an incremental
publish, and DuckDB 1.5.5 (Metabase) reads them. marts.publish_year, made by the publish, is described in pipelines/publish.py.

Real builds through the CLI: the e2e fixture with its 2022 folders copied to 2021 (two years, so
that a changed 2022 is published incrementally), then one staff answer of 2022 changed."""
from __future__ import annotations

import json
import shutil
import subprocess

import duckdb
import pytest
import yaml

from pipelines.publish import PUBLISH_YEAR_DESCRIPTION, PUBLISH_YEAR_SPEC, PUBLISHED, publish

from .conftest import REPO, change_staff_answer, e2e_two_years, run_once
from .test_incremental_publish import last_publish_metadata


def yaml_descriptions() -> dict[tuple[str, str | None], str]:
    """(relation, None) -> the model's description, (relation, column) -> the column's, from the
    YAML of the marts (tables) and of the views."""
    out = {}
    models = REPO / "dbt_project" / "models"
    for path in sorted([*(models / "marts").glob("*.yml"), *(models / "views").glob("*.yml")]):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models", []):
            out[(model["name"], None)] = model.get("description")
            for column in model.get("columns", []):
                out[(model["name"], column["name"])] = column.get("description")
    out[("publish_year", None)] = PUBLISH_YEAR_DESCRIPTION
    out.update({("publish_year", name): text for name, _, text in PUBLISH_YEAR_SPEC})
    return out


def comments(path) -> dict[tuple[str, str | None], str | None]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {(t, c): comment for t, c, comment in con.execute(
            """select table_name, null, comment from duckdb_tables() where schema_name = 'marts'
               union all
               select view_name, null, comment from duckdb_views() where schema_name = 'marts' and not internal
               union all
               select table_name, column_name, comment from duckdb_columns() where schema_name = 'marts'""").fetchall()}
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The published file and build after a first (full) and a second (incremental) publish."""
    base = tmp_path_factory.mktemp("comments")
    raw, wh = base / "raw", base / "warehouse"
    e2e_two_years(raw)
    states = {}
    assert run_once(raw, wh, "run", "--no-reports") == 0
    states["first_meta"] = last_publish_metadata(wh)
    states["first"] = base / "first.duckdb"
    shutil.copyfile(wh / PUBLISHED, states["first"])
    change_staff_answer(raw)
    assert run_once(raw, wh, "run", "--no-reports", "--year", "2022") == 0
    states["second_meta"] = last_publish_metadata(wh)
    states["second"] = wh / PUBLISHED
    states["build"] = wh / ".build" / "build.duckdb"
    return states


@pytest.mark.parametrize("state", ["first", "second"])
def test_every_table_and_column_has_the_yaml_description(published, state):
    assert published["first_meta"]["mode"] == "full"
    assert published["second_meta"]["mode"] == "incremental"  # the incremental path was taken
    found = comments(published[state])
    expected = yaml_descriptions()
    assert {t for t, c in found if c is None} == {t for t, c in expected if c is None}  # 10 tables and 5 views, every model
    assert len(found) == len(expected) == (10 + 85) + (5 + 23 + 37 + 22 + 26 + 14)  # tables + columns, views + columns
    missing = sorted(k for k, v in found.items() if not (v or "").strip())
    assert not missing, f"without a comment: {missing}"
    assert found == expected


@pytest.mark.parametrize("state", ["first", "second"])
def test_duckdb_1_5_reads_the_comments(published, state, duckdb15_python):
    path = published[state]
    script = ("import duckdb, sys, json; c = duckdb.connect(sys.argv[1], read_only=True); print(duckdb.__version__); "
              "q = lambda s: c.execute(s).fetchall()[0]; "
              "print(json.dumps([q(\"select count(*), count(*) filter (where coalesce(comment, '') <> '') from duckdb_tables() where schema_name = 'marts'\"), "
              "q(\"select count(*), count(*) filter (where coalesce(comment, '') <> '') from duckdb_columns() where schema_name = 'marts'\"), "
              "q(\"select count(*), count(*) filter (where coalesce(comment, '') <> '') from duckdb_views() where not internal\")]))")
    out = subprocess.run([str(duckdb15_python), "-c", script, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, counts = out.stdout.splitlines()
    assert version == "1.5.5"
    assert json.loads(counts) == [[10, 10], [85 + 122, 85 + 122], [5, 5]]  # 10 tables, 5 views: every column


def test_an_incremental_publish_takes_a_changed_description(published, tmp_path):
    """A description changed in the YAML reaches the file without forcing a full rewrite."""
    build, wh = tmp_path / "build.duckdb", tmp_path / "warehouse"
    wh.mkdir()
    shutil.copyfile(published["build"], build)
    shutil.copyfile(published["second"], wh / PUBLISHED)
    con = duckdb.connect(str(build))
    con.execute("comment on table marts.dim_goal is 'A new description, with a quote ('' )'")
    con.execute("comment on column marts.fct_measure_value.value is 'New value description'")
    con.execute("comment on column marts.dim_kommun.lan is 'New county description'")
    con.execute("comment on view marts.v_goal_tree is 'New view description'")
    con.execute("comment on column marts.v_indicator.status_label is 'New view column description'")
    con.close()
    result = publish(build, wh)
    assert result.mode == "incremental" and result.reason is None
    found = comments(wh / PUBLISHED)
    assert found[("dim_goal", None)] == "A new description, with a quote (' )"
    assert found[("fct_measure_value", "value")] == "New value description"
    assert found[("dim_kommun", "lan")] == "New county description"
    assert found[("v_goal_tree", None)] == "New view description"
    assert found[("v_indicator", "status_label")] == "New view column description"
    changed = {("dim_goal", None), ("fct_measure_value", "value"), ("dim_kommun", "lan"), ("v_goal_tree", None),
               ("v_indicator", "status_label")}
    unchanged = {k: v for k, v in yaml_descriptions().items() if k not in changed}
    assert {k: found[k] for k in unchanged} == unchanged
