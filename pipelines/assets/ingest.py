"""Ingest assets: one per raw source. Each lands the files of every year the run loads (see
`load_plan`) in the build database and records its findings per year; its `file_rules` and
`great_expectations` checks say which years broke a blocking rule. A year with a blocking finding
is not modelled and fails its gate; the other years go on (each year's gate is its own)."""

import time
from concurrent.futures import ThreadPoolExecutor

import dagster as dg

from .. import config
from ..checks.raw_quality import validate_years
from ..faults import is_environment_fault
from ..ingest import ingest, insert_issues, record_issues, styrmodell
from ..ingest.issues import Issue
from ..plan import read_plan
from ..resources import FollowupPaths
from ..years import discover_years

DESCRIPTIONS = {
    "organisation": "organisation/<year>/<kommunkod>.csv: each municipality's unit tree.",
    "styrmodell": "styrmodell/<year>/<kommunkod>.yml: goals, indicators, activities and settings.",
    "medarbetarenkat": "medarbetarenkat/<year>/: staff survey answers (HME) and question catalogue.",
    "medborgarundersokning": "medborgarundersokning/<year>/: Medborgarundersökningen answers and catalogue.",
    "intern_enkat": "intern_enkat/<year>/: principal and recipient survey answers and catalogue.",
    "kolada": "kolada/*.json: Kolada values of the year's period, and kpi.json titles.",
}
# The raw tables each ingest lands (one Dagster asset each, as dbt's sources name them).
TABLES = {
    "organisation": ["organisation"],
    "styrmodell": ["goal_setting", "band", "goal", "indicator", "activity"],
    "medarbetarenkat": ["medarbetarenkat_question", "medarbetarenkat_respondent_group", "medarbetarenkat_answer_sum"],
    "medborgarundersokning": ["medborgarundersokning_question", "medborgarundersokning_respondent_group", "medborgarundersokning_answer_sum"],
    "intern_enkat": ["intern_enkat_question", "intern_enkat_respondent_group", "intern_enkat_answer_sum"],
    "kolada": ["kolada_value", "kpi"],
}
# Answers need the year's unit tree; so do goals (their units).
DEPS = {
    "medarbetarenkat": ["organisation"],
    "intern_enkat": ["organisation"],
    "styrmodell": ["organisation"],
}


def years_to_load(context, con, paths: FollowupPaths) -> list[int]:
    """The run's load years; without a plan (one asset materialised from the UI) every year, and
    the years' load state is dropped so the next full run loads and checks them whole."""
    plan = read_plan(con, context.run_id)
    if plan is not None:
        return plan.load
    years = discover_years(paths.raw())
    con.execute("delete from audit.load_state").fetchall()
    return years


def _failed(source: str, year: int, stage: str, e: Exception) -> Issue:
    """An unexpected error of one (source, year) becomes the year's finding, never a silent
    failure (environment faults such as a full disk stop the run instead)."""
    if is_environment_fault(e):
        raise e
    first = (str(e).strip().splitlines() or [""])[0][:300]
    return Issue(year, source, None, None, None, "ingest_failed",
                 f"the {source} files of {year} could not be {stage}: {type(e).__name__}: {first}")


def _land_year(con, raw, source: str, year: int) -> tuple[int, list[Issue]]:
    try:
        return ingest(con, raw, source, year)
    except Exception as e:  # noqa: BLE001 - recorded as the year's finding, see _failed
        issue = _failed(source, year, "read", e)
        record_issues(con, year, source, [issue])  # what a half-done load recorded goes
        return 0, [issue]


# Sources whose years are landed two at a time, each on its own cursor (a connection of the
# same DuckDB instance: its temp tables are its own). Their loads leave cores idle between
# DuckDB's statements (file sniffing, xlsx read in Python, many small statements): two national
# Medborgarundersokning years 6.6 s one after the other, 3.4 s side by side; four national staff
# years 15.7 s against 10.2-11.4 s (the same CPU: 21.5 s against 19-21 s; measured when the
# staff landing had become one scan and one grouping a file group, issue 16). Goal models are
# Python under the GIL: they have processes of their own (goal_readers.py).
PARALLEL_SOURCES = ("organisation", "medborgarundersokning", "intern_enkat", "medarbetarenkat")


def _timed_land(con, raw, source: str, year: int) -> tuple[int, list[Issue], float]:
    t0 = time.monotonic()
    n, issues = _land_year(con, raw, source, year)
    return n, issues, time.monotonic() - t0


def _land_years(con, raw, source: str, years: list[int]):
    """Yield (year, rows, issues, seconds) for each of `years`, in order."""
    if source not in PARALLEL_SOURCES or len(years) < 2:
        for year in years:
            yield (year, *_timed_land(con, raw, source, year))
        return
    cursors = [con.cursor() for _ in range(2)]
    free = list(cursors)

    def land(year):
        cur = free.pop()  # list.pop and append are atomic: each worker thread holds one cursor
        try:
            return _timed_land(cur, raw, source, year)
        finally:
            free.append(cur)
    try:
        with ThreadPoolExecutor(len(cursors), thread_name_prefix=f"ingest_{source}") as pool:
            futures = [pool.submit(land, year) for year in years]
            try:
                for year, future in zip(years, futures):
                    yield (year, *future.result())
            except BaseException:  # Ctrl-C or a fault: stop the other year's queries, not wait for them
                for f in futures:
                    f.cancel()
                for cur in cursors:
                    cur.interrupt()
                raise
    finally:
        for cur in cursors:
            cur.close()


def _validate_years(con, source: str, years: list[int]) -> dict[int, tuple[list[Issue], int]]:
    """The GX suites on every landed year at once (validate_years), their findings recorded."""
    try:
        results = validate_years(con, source, years)
    except Exception as e:  # noqa: BLE001 - recorded as each year's finding, see _failed
        results = {y: ([_failed(source, y, "validated", e)], 0) for y in years}
    insert_issues(con, [i for gx_issues, _ in results.values() for i in gx_issues])
    return results


def _read_goal_models_ahead(context, con, raw, years: list[int]) -> None:
    """Once the unit trees of the run's years have landed, the goal models of those years are read
    in the background by the goal-model readers (styrmodell.prefetch) while the survey answers land
    (in a national run: ~10 s of goal-model reading beside the staff survey, whose DuckDB scans
    leave a third of the second core idle); the styrmodell step then takes each year's result.
    Only when this run materialises the goal models."""
    # the assets this run materialises (the run's own asset_selection is empty for a whole job)
    selected = getattr(context.job_def.asset_layer, "selected_asset_keys", ())
    if dg.AssetKey(["raw", "goal"]) not in selected:
        return
    try:
        styrmodell.prefetch(con, raw, years)
    except Exception as e:  # noqa: BLE001 - only a head start: the styrmodell step reads every year itself
        if is_environment_fault(e):
            raise
        context.log.warning(f"the goal models are not read ahead: {type(e).__name__}: {e}")


def build_ingest_asset(source: str) -> dg.AssetsDefinition:
    keys = [dg.AssetKey(["raw", t]) for t in TABLES[source]]
    check_key = keys[-1]

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[
            dg.AssetSpec(key, group_name="ingest", description=DESCRIPTIONS[source], kinds={"python", "duckdb"},
                         deps=[dg.AssetKey(["raw", d]) for d in DEPS.get(source, [])] + ["load_plan"])
            for key in keys
        ],
        check_specs=[
            dg.AssetCheckSpec("file_rules", asset=check_key, blocking=False,
                              description=f"Every {source} file of each loaded year parses and keeps the contract's "
                                          "blocking rules; a year that breaks one fails its gate."),
            dg.AssetCheckSpec("great_expectations", asset=check_key, blocking=False,
                              description=f"The Great Expectations suites of {source} pass on each loaded year's landed "
                                          "rows (pipelines/checks/raw_quality.py); a year that fails one fails its gate."),
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, paths: FollowupPaths):
        errors: dict[int, list[Issue]] = {}
        gx_failed: dict[int, list[Issue]] = {}
        rows: dict[int, int] = {}
        evaluated = 0
        with paths.build_connection() as con:
            years = years_to_load(context, con, paths)
            landed: list[int] = []
            for year in years:
                # any new load of a year withdraws its pass until the whole year is checked again
                con.execute("insert or replace into audit.year_gate values (?, false, now(), ?)", [year, context.run_id]).fetchall()
            for year, n, issues, seconds in _land_years(con, paths.raw(), source, years):
                con.execute("insert into audit.landed values (?, ?, ?, ?, ?)",
                            [context.run_id, year, source, n, seconds]).fetchall()
                rows[year] = n
                errors[year] = [i for i in issues if i.severity == "error"]
                if not any(i.rule == "ingest_failed" for i in issues):
                    landed.append(year)
                for i in issues[:20]:
                    (context.log.error if i.severity == "error" else context.log.warning)(i.one_line())
            for year, (gx_issues, ev) in _validate_years(con, source, landed).items():
                evaluated = max(evaluated, ev)
                gx_failed[year] = gx_issues
            if source == "organisation":
                _read_goal_models_ahead(context, con, paths.raw(), years)
        bad = {y: e for y, e in errors.items() if e}
        bad_gx = {y: e for y, e in gx_failed.items() if e}
        meta = {"years": str(years), "rows": sum(rows.values()),
                "rows_per_year": dg.MetadataValue.json({str(y): n for y, n in rows.items()})}
        for key in keys:
            yield dg.MaterializeResult(asset_key=key, metadata=meta)
        yield dg.AssetCheckResult(
            asset_key=check_key, check_name="file_rules", passed=not bad, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"years_checked": str(years), "failed_years": str(sorted(bad)),
                      "errors": sum(len(e) for e in bad.values()),
                      "first_errors": dg.MetadataValue.md("\n".join(
                          f"- {i.one_line()}" for e in bad.values() for i in e[:10]) or "none")})
        yield dg.AssetCheckResult(
            asset_key=check_key, check_name="great_expectations", passed=not bad_gx, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"years_checked": str(years), "expectations": evaluated, "failed_years": str(sorted(bad_gx)),
                      "failed": sum(len(e) for e in bad_gx.values()),
                      "failures": dg.MetadataValue.md("\n".join(
                          f"- {i.one_line()}" for e in bad_gx.values() for i in e[:10]) or "none")})

    return _ingest


ingest_assets = [build_ingest_asset(s) for s in config.ALL_SOURCES]
