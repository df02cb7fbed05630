"""The run's last steps: the run report (`reports/latest.json` and `latest.md`, contract
section 4) and the printable follow-up reports of the years this run published. A step that
fails still leaves a run report naming the failure (`write_report_on_failure`)."""

import os
import time

import dagster as dg

from ..lines import say
from ..publish import PUBLISHED
from ..report import build_run_report, write_run_report
from ..resources import FollowupPaths
from .publish import published_warehouse


@dg.asset(
    key="run_report",
    group_name="publish",
    deps=[published_warehouse],
    kinds={"json"},
    description="<warehouse>/reports/latest.json and latest.md: each year of the run, passed or not, every "
                "finding (file, row, column, rule) and what the published file holds.",
)
def run_report(context: dg.AssetExecutionContext, paths: FollowupPaths) -> dg.MaterializeResult:
    doc = build_run_report(paths.build_db(), paths.warehouse(), paths.raw(), context.run_id)
    json_path, md_path = write_run_report(doc, paths.warehouse())
    say(context, f"report    {json_path}  and  {md_path}")
    failed = [y["year"] for y in doc["years"] if not y["passed"]]
    return dg.MaterializeResult(metadata={
        "path": str(json_path), "failed_years": str(failed),
        "passed_years": str([y["year"] for y in doc["years"] if y["passed"]]),
        "errors": sum(1 for y in doc["years"] for i in y["issues"] if i["severity"] == "error"),
        "warnings": sum(1 for y in doc["years"] for i in y["issues"] if i["severity"] == "warning"),
    })


class ReportsConfig(dg.Config):
    """`enabled: false` skips the printable reports (`followup run --no-reports`)."""

    enabled: bool = True


@dg.asset(
    key="printed_reports",
    group_name="publish",
    deps=[run_report],
    kinds={"html", "pdf"},
    description="<warehouse>/reports/<kommunkod>/<year>.html|pdf: the printable follow-up report of every "
                "municipality for each year this run published, one process per core.",
)
def printed_reports(context: dg.AssetExecutionContext, config: ReportsConfig, paths: FollowupPaths) -> dg.MaterializeResult:
    from ..report_doc import render_all

    published = paths.warehouse() / PUBLISHED
    with paths.build_connection() as con:
        years = [r[0] for r in con.execute(
            "select year from audit.year_gate where run_id = ? and passed order by year", [context.run_id]).fetchall()]
    if not config.enabled or not years or not published.exists():
        return dg.MaterializeResult(metadata={"reports": 0, "years": str([] if not config.enabled else years)})
    t0 = time.monotonic()
    made, failed = [], []
    for year in years:
        try:
            made += render_all(published, year, paths.warehouse() / "reports", workers=os.cpu_count() or 1,
                               progress=_progress(context, year))
        except Exception as e:  # noqa: BLE001 - the publish stands; the report says what went wrong
            failed.append(year)
            say(context, f"reports   FAILED for {year}: {type(e).__name__}: {e}")
    if made:
        say(context, f"reports   {len(made)} printable report(s) in {paths.warehouse() / 'reports'}/<kommunkod>/<year>.html|pdf"
                     f"  ({time.monotonic() - t0:.1f} s)")
    if failed:
        raise dg.Failure(f"the printable reports of {', '.join(map(str, failed))} could not be made (the data is published)")
    return dg.MaterializeResult(metadata={"reports": len(made), "years": str(years)})


def _progress(context, year: int, every: float = 15.0):
    """A line now and then while a long batch renders (a national year: 290 reports)."""
    start = last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if done < total and now - last >= every:
            last = now
            say(context, f"reports   {year}: {done} of {total} made  ({now - start:.0f} s)")

    return report


@dg.failure_hook(required_resource_keys={"paths"})
def write_report_on_failure(context: dg.HookContext):
    """A step that fails stops the run: write the run report naming it, so no failure is found
    only in Dagster's run database (the published file is untouched by a failed step)."""
    if context.op.name in ("printed_reports",):
        return
    from ..faults import describe

    err = context.op_exception
    message = describe(err) if err is not None else "the step failed"
    failure = {"step": context.op.name, "message": message}
    paths: FollowupPaths = context.resources.paths
    try:
        doc = build_run_report(paths.build_db(), paths.warehouse(), paths.raw(), context.run_id, failure=failure)
        write_run_report(doc, paths.warehouse())
    except Exception as e:  # noqa: BLE001 - the run has failed already; say why the report is missing too
        context.log.error(f"the run report could not be written either: {describe(e)}")
