"""The dbt project as Dagster assets: staging -> intermediate -> marts. One `dbt build` per run
for every year the run loads or rebuilds (the years in `audit.build_year`, `--vars '{years: run}'`),
run in the run's own process (pipelines/dbt_runner.py); dbt tests become asset checks. When that build fails, each year is built again on its own to learn which years broke
(a failed dbt test or model fails only its year's gate)."""

import json
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DbtProject
from dagster_dbt.asset_utils import (
    DAGSTER_DBT_EXCLUDE_METADATA_KEY,
    DAGSTER_DBT_SELECT_METADATA_KEY,
    DAGSTER_DBT_SELECTOR_METADATA_KEY,
    DBT_DEFAULT_EXCLUDE,
    DBT_DEFAULT_SELECT,
    DBT_DEFAULT_SELECTOR,
    build_dbt_specs,
)
from dagster_dbt.dbt_manifest import validate_manifest

from .. import config, dbt_runner, dbt_views
from ..checks import gx_process
from ..dbt_metadata import DescribedDbtTranslator, with_table_metadata
from ..faults import is_environment_text
from ..ingest import goal_readers
from ..lines import fmt_int, say
from ..plan import read_plan
from ..resources import FollowupPaths

# dbt is installed beside this Python (the project's venv), which need not be on PATH.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=config.DBT_PROJECT_DIR, profiles_dir=config.DBT_PROJECT_DIR)


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any of its files."""
    manifest = dbt_project.manifest_path
    if manifest.exists():
        newest = max(p.stat().st_mtime for pattern in ("models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*", "*.yml")
                     for p in config.DBT_PROJECT_DIR.glob(pattern) if p.is_file())
        if manifest.stat().st_mtime >= newest:
            return
    os.environ.setdefault("FOLLOWUP_BUILD_DB", str(config.build_db_path()))
    dbt_project.preparer.prepare(dbt_project)


ensure_manifest()


class FollowupTranslator(DescribedDbtTranslator):  # a description on every dbt check (pipelines/dbt_metadata.py)
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


_FAILED = ("error", "fail", "runtime error")


def _outcome(run_results: dict) -> tuple[dict[str, int], list[dict]]:
    """dbt's own counts by kind (model, seed, test, unit_test) and its failed nodes."""
    counts: dict[str, int] = {}
    failed = []
    for r in run_results.get("results", []):
        kind = r["unique_id"].split(".")[0]
        counts[kind] = counts.get(kind, 0) + 1
        if r.get("status") in _FAILED:
            failed.append(r)
    return counts, failed


def _counts_text(counts: dict[str, int]) -> str:
    names = (("model", "models"), ("seed", "seeds"), ("test", "tests"), ("unit_test", "unit tests"))
    return ", ".join(f"{counts[k]} {label}" for k, label in names if counts.get(k))


def _read_results(target: Path) -> dict:
    path = target / "run_results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _why(inv) -> str:
    """A failed dbt command's cause when no node failed (e.g. a compilation error)."""
    text = str(inv.exception) if inv.exception else (inv.errors[-1] if inv.errors else "dbt build failed")
    return (text.strip().splitlines() or ["dbt build failed"])[0][:2000]


def _failure_issue(year: int, r: dict) -> tuple:
    uid = r["unique_id"]
    kind, name = uid.split(".")[0], uid.split(".")[-1]
    message = (r.get("message") or r.get("status") or "failed").strip()
    if kind == "test" and r.get("failures"):
        message = f"{r['failures']} failing row(s): {message}"
    return (year, "dbt", None, None, None, f"dbt_{kind}:{name}", message[:2000], "error")


def modelled_years(con, run_id: str) -> tuple[list[int], list[int]]:
    """(years to build, loaded years kept out because a blocking ingest check failed)."""
    plan = read_plan(con, run_id)
    if plan is None:  # a UI run of the dbt assets alone: every year the build database holds
        years = [r[0] for r in con.execute("select distinct year from raw.organisation union select distinct year from "
                                           "raw.kolada_value union select distinct year from raw.question order by 1").fetchall()]
    else:
        years = plan.load + plan.rebuild
    bad = {r[0] for r in con.execute("select distinct year from audit.issue where severity = 'error' and source <> 'dbt'").fetchall()}
    return sorted(y for y in years if y not in bad), sorted(y for y in years if y in bad)


def _ingest_lines(con, run_id: str, years: list[int]) -> list[str]:
    lines = []
    for year in years:
        landed = con.execute("select source, n from audit.landed where run_id = ? and year = ? order by source",
                             [run_id, year]).fetchall()
        errors = con.execute("""select source, count(*) from audit.issue where year = ? and severity = 'error'
                                and source <> 'dbt' group by source order by source""", [year]).fetchall()
        if errors:
            detail = ", ".join(f"{s}: {n}" for s, n in errors)
            lines.append(f"{year}  ingest   FAILED  {sum(n for _, n in errors)} blocking finding(s) ({detail})")
        else:
            parts = [f"{s} {fmt_int(n)}" for s, n in landed if n]
            lines.append(f"{year}  ingest   ok      " + (" · ".join(parts) if parts else "no files"))
    return lines


_translator = FollowupTranslator()
_manifest = validate_manifest(dbt_project.manifest_path)
_dbt_specs, _dbt_check_specs = build_dbt_specs(
    translator=_translator, manifest=_manifest, select=DBT_DEFAULT_SELECT,
    exclude=DBT_DEFAULT_EXCLUDE, selector=DBT_DEFAULT_SELECTOR, io_manager_key=None, project=dbt_project)

# What `@dbt_assets` makes (dagster-dbt 0.29), plus one asset the step always materialises:
# `dbt_build`, the record of which years this run's dbt build built and whether each passed.
# The gate depends on it, not on the models: a model that a failed build did not materialise
# (or a run with nothing to build) would otherwise skip the gate, the publish and the report.
DBT_BUILD = dg.AssetKey("dbt_build")


@dg.multi_asset(
    name="followup_dbt_models",
    specs=[*_dbt_specs, dg.AssetSpec(DBT_BUILD, group_name="publish", kinds={"dbt", "duckdb"},
                                     deps=["load_plan"], skippable=False,
                                     description="audit.dbt_year: the years this run's one dbt build covered and "
                                                 "whether each year's models built and tests passed.")],
    check_specs=_dbt_check_specs,
    can_subset=True,
    op_tags={DAGSTER_DBT_SELECT_METADATA_KEY: DBT_DEFAULT_SELECT, DAGSTER_DBT_EXCLUDE_METADATA_KEY: DBT_DEFAULT_EXCLUDE,
             DAGSTER_DBT_SELECTOR_METADATA_KEY: DBT_DEFAULT_SELECTOR},
    allow_arbitrary_check_specs=True,
)
def followup_dbt_models(context: dg.AssetExecutionContext, paths: FollowupPaths):
    os.environ["FOLLOWUP_BUILD_DB"] = str(paths.build_db())
    with paths.build_connection() as con:
        plan = read_plan(con, context.run_id)
        for line in _ingest_lines(con, context.run_id, plan.load if plan else []):
            say(context, line)
        years, kept_out = modelled_years(con, context.run_id)
        con.execute("delete from audit.issue where source in ('dbt', 'pipeline') and year in (select unnest(?::integer[]))",
                    [years + kept_out]).fetchall()
        con.execute("delete from audit.dbt_year where year in (select unnest(?::integer[]))", [years + kept_out]).fetchall()
    if not years:
        say(context, "dbt       skipped  (no year to build)")
        yield dg.MaterializeResult(asset_key=DBT_BUILD, metadata={"years": "[]", "failed_years": "[]"})
        return
    # every ingest (and so every GX suite and goal model) of the run is done: free their memory for dbt
    gx_process.stop()
    goal_readers.stop()
    with paths.build_connection() as con:  # the years dbt builds (see dbt_project/macros/partitions.sql)
        con.execute("create or replace table audit.build_year as select unnest(?::integer[]) as year", [years]).fetchall()
        views_kept = dbt_views.unchanged(con, _manifest)
        if not views_kept:
            dbt_views.forget(con)
    target = paths.dbt_target()
    target.mkdir(parents=True, exist_ok=True)
    # unit tests need no data and do not change with the years: `dbt build` by hand and the suite
    # run them (tests/test_dbt_project.py); each load would pay ~3 s for them. The views only when
    # they can have changed (pipelines/dbt_views.py); their tests run every time.
    args = ["build", "--vars", "{years: run}", "--exclude", "test_type:unit", *([dbt_views.EXCLUDE] if views_kept else [])]
    # row counts and column schemas of the built models, read when dbt has let go of the database
    invocation = yield from with_table_metadata(
        dbt_runner.stream(args, target, context, _manifest, _translator, dbt_project), paths.build_connection, _manifest)
    counts, failed = _outcome(_read_results(target))
    fault = next((r.get("message") for r in failed if is_environment_text(r.get("message") or "")), None)
    if fault:  # a full disk or a read-only folder is no year's fault: stop the run and say so
        raise dg.Failure(f"dbt could not write the build database: {fault.strip().splitlines()[0][:300]}")
    verdict: dict[int, list[dict]] = {y: [] for y in years}
    if failed or not invocation.success:
        # which years broke it: each year on its own (only when the build failed)
        for y in years:
            with paths.build_connection() as con:
                con.execute("create or replace table audit.build_year as select ? as year", [y]).fetchall()
            one = dbt_runner.invoke(args, target)
            _, failed_y = _outcome(_read_results(target))
            verdict[y] = failed_y or ([] if one.success else [{"unique_id": "dbt.build.build", "message": _why(one)}])
    with paths.build_connection() as con:
        for y, fails in verdict.items():
            if fails:
                con.executemany("insert into audit.issue values (?, ?, ?, ?, ?, ?, ?, ?)", [_failure_issue(y, r) for r in fails])
            con.execute("insert into audit.dbt_year values (?, ?, ?)", [y, not fails, context.run_id]).fetchall()
        if not views_kept and invocation.success and not failed:
            dbt_views.record(con, _manifest)
    bad = sorted(y for y, f in verdict.items() if f)
    kept = f"; {len(dbt_views.expected(_manifest))} views unchanged" if views_kept else ""
    yield dg.MaterializeResult(asset_key=DBT_BUILD, metadata={
        "years": str(years), "failed_years": str(bad), **{f"dbt.{k}": n for k, n in counts.items()}})
    span = f"{years[0]}" if len(years) == 1 else f"{len(years)} years, {years[0]}-{years[-1]}"
    if bad:
        say(context, f"dbt       FAILED  for {', '.join(map(str, bad))}  ({_counts_text(counts)}; {span}{kept})")
        for y in bad:
            names = ", ".join(r["unique_id"].split(".")[-1] for r in verdict[y][:3])
            say(context, f"{y}  dbt      FAILED  {len(verdict[y])} failed: {names}")
    else:
        say(context, f"dbt       ok      {_counts_text(counts)} passed  ({span}{kept})")
