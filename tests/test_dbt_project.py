"""The dbt project explains itself (issue 15): a description on every node and column, unit tests
of every formula run by `dbt build` and on their own, exposures of what reads the marts, no mart
reading a source past staging, and what Dagster shows of it (check descriptions, row counts and
column schemas).

One build of the project for the module, on the ingest's raw tables without rows
(`dbt build --empty`, about 30 s): unit tests and the catalog need the relations' columns, not
data, so the demo's ~100 s load is not needed for them. The formulas on real data are tested
end to end elsewhere (test_end_to_end.py, test_measures_pipeline.py, test_goal_outcomes.py)."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from .conftest import REPO

PROJECT = REPO / "dbt_project"
DBT = Path(sys.executable).parent / "dbt"


def dbt(build: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(DBT), *args, "--project-dir", str(PROJECT), "--profiles-dir", str(PROJECT),
                           "--target-path", str(build["target"]), "--log-path", str(build["logs"])],
                          env={**os.environ, "FOLLOWUP_BUILD_DB": str(build["db"])}, cwd=build["dir"],
                          capture_output=True, text=True)


def results(build: dict) -> list[dict]:
    return json.loads((build["target"] / "run_results.json").read_text())["results"]


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> dict:
    from pipelines.ingest import SCHEMA_SQL

    base = tmp_path_factory.mktemp("dbt_project")
    out = {"dir": base, "db": base / "build.duckdb", "target": base / "target", "logs": base / "logs"}
    con = duckdb.connect(str(out["db"]))
    con.execute(SCHEMA_SQL)
    con.close()
    done = dbt(out, "build", "--empty")
    assert done.returncode == 0, done.stdout[-3000:]
    out["build_results"] = results(out)
    out["manifest"] = json.loads((out["target"] / "manifest.json").read_text())
    return out


def unit_tests(manifest: dict) -> dict[str, dict]:
    return manifest.get("unit_tests", {})


# ------------------------------------------------------------------------------------ unit tests
def test_dbt_build_runs_every_unit_test(build):
    ran = {r["unique_id"]: r["status"] for r in build["build_results"] if r["unique_id"].startswith("unit_test.")}
    assert len(unit_tests(build["manifest"])) >= 14
    assert ran == {uid: "pass" for uid in unit_tests(build["manifest"])}


def test_the_unit_tests_pass_on_their_own(build):
    done = dbt(build, "test", "--select", "test_type:unit")
    ran = results(build)
    assert done.returncode == 0, done.stdout[-4000:]
    assert len(ran) == len(unit_tests(build["manifest"]))
    assert all(r["status"] == "pass" for r in ran), [(r["unique_id"], r["status"]) for r in ran]


def test_every_formula_is_unit_tested_on_a_model_that_uses_it(build):
    """Each macro of macros/measures.sql and macros/goals.sql is used, directly or through
    another macro, by a model that has a unit test."""
    manifest = build["manifest"]
    macros = manifest["macros"]
    formulas = {uid for uid, m in macros.items()
                if m["package_name"] == "followup" and m["original_file_path"] in ("macros/measures.sql", "macros/goals.sql")}
    assert len(formulas) >= 8  # the own group is summed in int_survey__question_cells, no macro of its own

    def reach(names: list[str]) -> set[str]:
        seen, todo = set(), list(names)
        while todo:
            m = todo.pop()
            if m not in seen and m in macros:
                seen.add(m)
                todo.extend(macros[m]["depends_on"]["macros"])
        return seen

    tested_models = {t["depends_on"]["nodes"][0] for t in unit_tests(manifest).values()}
    covered = set().union(*(reach(manifest["nodes"][m]["depends_on"]["macros"]) for m in tested_models))
    assert formulas - covered == set()


def test_every_unit_test_overrides_the_years(build):
    """A followup run builds with `--vars '{years: run}'` (the years in audit.build_year); a unit
    test's given rows must not depend on which years the database holds."""
    for name, t in unit_tests(build["manifest"]).items():
        assert t.get("overrides", {}).get("vars", {}).get("years", "missing") is None, name


# ----------------------------------------------------------------------------------- descriptions
def test_every_node_and_column_has_a_description(build):
    done = dbt(build, "docs", "generate")
    assert done.returncode == 0, done.stdout[-3000:]
    manifest = json.loads((build["target"] / "manifest.json").read_text())
    catalog = json.loads((build["target"] / "catalog.json").read_text())
    missing, checked = [], 0
    for kind in ("nodes", "sources"):
        for uid, node in manifest[kind].items():
            if node["resource_type"] not in ("model", "seed", "source", "snapshot"):
                continue
            checked += 1
            if not node.get("description", "").strip():
                missing.append(uid)
            described = {c for c, col in node.get("columns", {}).items() if col.get("description", "").strip()}
            in_catalog = catalog[kind].get(uid)
            assert in_catalog, f"{uid} is not in the catalog"
            missing += [f"{uid}.{c}" for c in in_catalog["columns"] if c not in described]
            missing += [f"{uid}.{c} (not in the database)" for c in node.get("columns", {}) if c not in in_catalog["columns"]]
    for kind in ("exposures", "unit_tests"):
        missing += [uid for uid, node in manifest[kind].items() if not node.get("description", "").strip()]
    missing += [uid for uid, m in manifest["macros"].items()
                if m["package_name"] == "followup" and not m.get("description", "").strip()]
    assert checked >= 54  # 33 models, 4 seeds, 17 sources
    assert missing == []


def test_dagster_shows_the_descriptions_on_every_dbt_asset_and_check():
    from pipelines.assets.dbt import _dbt_check_specs, _dbt_specs, dbt_project

    manifest = json.loads(dbt_project.manifest_path.read_text())
    by_name = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    assert len(_dbt_specs) == len(by_name)
    for spec in _dbt_specs:
        node = by_name[spec.key.path[-1]]
        assert spec.description.startswith(node["description"].strip()), spec.key
    assert len(_dbt_check_specs) >= 49
    tests = {n["name"]: n for n in manifest["nodes"].values() if n["resource_type"] == "test"}
    for check in _dbt_check_specs:
        model = manifest["nodes"][tests[check.name]["attached_node"]]["name"]
        assert check.description and model in check.description, check.name
    texts = {c.name: c.description for c in _dbt_check_specs}
    assert texts["unique_combination_fct_goal_status_kommunkod__year__goal_id"] == (
        "No two rows of fct_goal_status have the same (kommunkod, year, goal_id). Reads the years being built. "
        "A failure fails the gate of the years built.")
    assert texts["relationships_fct_measure_value_measure_id__measure_id__ref_dim_measure_"].startswith(
        "Every fct_measure_value.measure_id is a measure_id of dim_measure.")


def test_unique_combination_finds_every_repeated_key_and_only_those(build, tmp_path):
    """The generic test groups by a hash of the key first, then by the key itself: on rows with a
    key twice (its enhet null: nulls compare equal), one three times and distinct keys that differ
    in one column each, it finds exactly the two repeated keys, with their counts."""
    import shutil

    target = tmp_path / "target"  # compiled for rows (the module's build compiled everything --empty)
    done = dbt({**build, "target": target}, "compile", "--select", "test_name:unique_combination,fct_measure_value")
    assert done.returncode == 0, done.stdout[-3000:]
    compiled = next((target / "compiled").rglob("fct_measure_value.yml/unique_combination_fct_measure_*.sql")).read_text()
    assert "limit 0" not in compiled
    db = tmp_path / "build.duckdb"  # the catalog the compiled SQL names
    shutil.copyfile(build["db"], db)
    con = duckdb.connect(str(db))
    # the model is a view over the suppressed cells: a table of its columns in its place takes the rows
    con.execute("create table marts.rows_under_test as from marts.fct_measure_value limit 0")
    con.execute("drop view marts.fct_measure_value")
    con.execute("alter table marts.rows_under_test rename to fct_measure_value")
    key = ("m.Q", "0114", 2022, None, "total", "Totalt")
    rows = [key, key,                                            # twice, enhet null
            ("m.Q", "0114", 2022, "A", "total", "Totalt"),       # differs in enhet
            ("m.Q", "0114", 2021, None, "total", "Totalt"),      # in year
            ("m.Q", "0115", 2022, None, "total", "Totalt"),      # in kommunkod
            ("m.Q", "0114", 2022, None, "kon", "K"),             # in group
            ("m.R", "0114", 2022, None, "kon", "K")] + [("m.R", "0114", 2022, "B", "total", "Totalt")] * 3
    con.executemany("insert into marts.fct_measure_value (measure_id, kommunkod, year, enhet, group_type, group_value) "
                    "values (?, ?, ?, ?, ?, ?)", rows)
    found = sorted(con.execute(compiled).fetchall(), key=str)
    assert found == sorted([(*key, 2), ("m.R", "0114", 2022, "B", "total", "Totalt", 3)], key=str)


# -------------------------------------------------------------------------------- lineage, exposures
def test_no_model_reads_a_source_past_its_staging_model(build):
    readers = {n["name"] for n in build["manifest"]["nodes"].values()
               if n["resource_type"] == "model" and any(d.startswith("source.") for d in n["depends_on"]["nodes"])}
    assert readers and all(name.startswith("stg_") for name in readers), readers


def _models_named(manifest: dict, texts: list[str]) -> set[str]:
    """The dbt models that texts name as marts.<name> (marts.publish_year is the publish's, no model)."""
    models = {n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model"}
    return {m for text in texts for m in re.findall(r"\bmarts\.(\w+)", text)} & models


def _depends(manifest: dict, exposure: str) -> set[str]:
    return {manifest["nodes"][u]["name"] for u in manifest["exposures"][f"exposure.followup.{exposure}"]["depends_on"]["nodes"]}


def test_the_printed_report_exposure_names_the_marts_the_report_reads(build):
    code = [p.read_text(encoding="utf-8") for p in (REPO / "pipelines" / "report_doc").glob("*.py")]
    read = _models_named(build["manifest"], code)
    assert {"fct_goal_status", "fct_measure_value"} <= read
    assert _depends(build["manifest"], "printed_report") == read


def test_the_bi_queries_exposure_names_what_the_queries_read(build):
    queries = [p.read_text(encoding="utf-8") for p in (REPO / "docs" / "queries").rglob("*.sql")]
    read = _models_named(build["manifest"], queries)
    assert len(queries) >= 7 and "v_goal_tree" in read
    assert _depends(build["manifest"], "bi_queries") == read


def test_the_dashboard_and_views_exposures_name_what_they_read(build):
    bundle = REPO / "bi" / "superset" / "bundle" / "datasets"
    datasets = {m for p in bundle.rglob("*.yaml") for m in re.findall(r"^table_name:\s*(\w+)", p.read_text(encoding="utf-8"), re.M)}
    assert len(datasets) >= 4
    assert _depends(build["manifest"], "superset_dashboard") == datasets
    views = {p.stem for p in (PROJECT / "models" / "views").glob("*.sql")}
    assert len(views) >= 5
    assert _depends(build["manifest"], "bi_views") == views


def _names(stdout: str) -> set[str]:
    return {line.strip() for line in stdout.splitlines() if re.fullmatch(r"\s*\w+\s*", line)}


def test_dbt_ls_says_which_exposures_a_changed_model_reaches(build):
    done = dbt(build, "ls", "--select", "stg_kolada__values+", "--resource-type", "exposure", "--output", "name")
    assert done.returncode == 0, done.stdout[-2000:]
    # Kolada values reach fct_measure_value, hence every indicator and goal status: every exposure
    assert _names(done.stdout) == {e.split(".")[-1] for e in build["manifest"]["exposures"]}
    # the same walk on the manifest (what `dbt ls` reads): the activities reach the report and the queries only
    children, reached, todo = build["manifest"]["child_map"], set(), ["model.followup.stg_styrmodell__activities"]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in reached:
                reached.add(child)
                todo.append(child)
    assert {u.split(".")[-1] for u in reached if u.startswith("exposure.")} == {"printed_report", "bi_queries"}


# ------------------------------------------------------------------------------------ asset metadata
def test_row_counts_and_column_schemas_from_the_catalog(build, tmp_path):
    from pipelines.dbt_metadata import dbt_asset_metadata

    manifest = build["manifest"]
    db = tmp_path / "build.duckdb"
    db.write_bytes(build["db"].read_bytes())
    con = duckdb.connect(str(db))
    # two goals, then one deleted as a rebuilt year is: 1 row (DuckDB's estimated_size still says 2)
    con.execute("insert into marts.dim_goal (kommunkod, year, goal_id) values ('0483', 2021, 'A'), ('0483', 2022, 'B')")
    con.execute("delete from marts.dim_goal where year = 2022")
    meta = dbt_asset_metadata(con, manifest)
    con.close()

    with open(PROJECT / "seeds" / "kommuner.csv", encoding="utf-8") as f:
        kommuner = sum(1 for _ in f) - 1
    assert meta["seed.followup.kommuner"]["dagster/row_count"] == kommuner == 290
    assert meta["model.followup.dim_goal"]["dagster/row_count"] == 1
    assert meta["model.followup.dim_kommun"]["dagster/row_count"] == 1  # 0000 Riket; the empty build reads no seed rows
    assert meta["model.followup.fct_goal_outcome"]["dagster/row_count"] == 0
    for view in ("stg_survey__answer_sums", "fct_measure_value"):  # views: no stored rows
        assert "dagster/row_count" not in meta[f"model.followup.{view}"]
    built = {n["unique_id"] for n in manifest["nodes"].values() if n["resource_type"] in ("model", "seed")}
    assert set(meta) == built

    schema = meta["model.followup.fct_measure_value"]["dagster/column_schema"]
    yaml_columns = manifest["nodes"]["model.followup.fct_measure_value"]["columns"]
    assert [c.name for c in schema.columns] == list(yaml_columns)
    assert {c.name: c.type for c in schema.columns}["value"] == "DOUBLE"
    assert all(c.description == yaml_columns[c.name]["description"] for c in schema.columns)
    answers = meta["model.followup.stg_survey__answer_sums"]["dagster/column_schema"]
    assert [(c.name, c.type) for c in answers.columns] == [
        ("source", "VARCHAR"), ("year", "INTEGER"), ("grp", "INTEGER"), ("kolumn", "VARCHAR"), ("n", "BIGINT"), ("sw", "DECIMAL(38,10)"),
        ("sw_answer", "DECIMAL(38,10)"), ("sw_answer2", "DECIMAL(38,10)"), ("sw_top2", "DECIMAL(38,10)"), ("sw2", "DECIMAL(38,20)")]


def test_the_metadata_reaches_the_materialization_of_its_model():
    import dagster as dg

    from pipelines.dbt_metadata import with_asset_metadata

    meta = {"model.followup.dim_goal": {"dagster/row_count": 1}}
    events = [dg.Output(None, output_name="marts__dim_goal", metadata={"unique_id": "model.followup.dim_goal"}),
              dg.Output(None, output_name="marts__dim_kommun", metadata={"unique_id": "model.followup.dim_kommun"}),
              dg.AssetCheckResult(passed=True, asset_key=dg.AssetKey(["marts", "dim_goal"]), check_name="x")]
    out = list(with_asset_metadata(events, meta))
    assert out[0].metadata["dagster/row_count"].value == 1
    assert out[0].metadata["unique_id"].value == "model.followup.dim_goal"
    assert "dagster/row_count" not in out[1].metadata
    assert out[2] is events[2]


def test_the_dbt_step_gets_its_events_back_with_the_metadata_and_the_streams_value(build):
    import dagster as dg

    from pipelines.dbt_metadata import with_table_metadata

    def stream():  # what pipelines/dbt_runner.stream yields and returns
        yield dg.Output(None, output_name="marts__dim_goal", metadata={"unique_id": "model.followup.dim_goal"})
        yield dg.AssetCheckResult(passed=True, asset_key=dg.AssetKey(["marts", "dim_goal"]), check_name="x")
        return "the invocation"

    def run():
        value = yield from with_table_metadata(stream(), lambda: duckdb.connect(str(build["db"]), read_only=True),
                                               build["manifest"])
        yield value

    out = list(run())
    assert out[0].metadata["dagster/row_count"].value == 0
    assert [c.name for c in out[0].metadata["dagster/column_schema"].schema.columns][:3] == ["kommunkod", "year", "goal_id"]
    assert isinstance(out[1], dg.AssetCheckResult) and out[2] == "the invocation"
