"""`followup`: the command line (contract section 1).

    followup run [--year YYYY] [-v] [--no-reports]
                                      load, check and publish every year (or one), then make the
                                      printable reports of what was published
    followup report --kommun K --year Y | --all [--year Y]
                                      the printable follow-up report (HTML and PDF)
    followup rollback                 put the previous published file back
    followup years                    list the years the raw directory holds

`run` executes the same Dagster asset graph as `dagster dev` and the sensors, in-process, on the
instance that dagster.yaml configures (so its runs appear in the UI's run history). Exit codes:
0 every year passed and the warehouse is published; 1 at least one year failed its checks (the
others are published); 2 the command could not run.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import logging
import os
import sys
import time
import warnings

from . import config

EXIT_OK, EXIT_FAILED_YEARS, EXIT_CANNOT_RUN = 0, 1, 2


class CannotRun(Exception):
    """The command cannot run at all (exit 2, one line)."""


def _prepare_environment() -> None:
    """Point Dagster at this project's dagster.yaml and the warehouse's storage folder."""
    os.environ.setdefault("DAGSTER_HOME", str(config.PROJECT_ROOT))
    storage = config.warehouse_dir() / ".dagster"
    os.environ.setdefault("FOLLOWUP_DAGSTER_STORAGE", str(storage))
    os.environ.setdefault("FOLLOWUP_DAGSTER_COMPUTE_LOGS", str(storage / "compute_logs"))
    os.environ["FOLLOWUP_BUILD_DB"] = str(config.build_db_path())
    config.build_dir().mkdir(parents=True, exist_ok=True)


def _quiet(verbose: bool) -> dict:
    if not verbose:
        warnings.filterwarnings("ignore")
        for name in ("dagster", "dagster_dbt", "dbt", "alembic"):
            logging.getLogger(name).setLevel(logging.CRITICAL)
    level = "DEBUG" if verbose else "CRITICAL"
    return {"loggers": {"console": {"config": {"log_level": level}}}}


def _silenced(verbose: bool):
    """dbt's own output goes to stdout through dagster-dbt; shown with -v only."""
    return contextlib.nullcontext() if verbose else contextlib.redirect_stdout(io.StringIO())


def _say(line: str) -> None:
    print(line, flush=True)


def cmd_run(args) -> int:
    root = config.raw_dir()
    if not root.is_dir():
        raise CannotRun(f"no raw directory at {root} (set FOLLOWUP_RAW_DIR or run from the project folder)")
    from .years import discover_years

    years = discover_years(root)
    if args.year is not None:
        if args.year not in years:
            raise CannotRun(f"{args.year} is not a year of {root} (years found: {', '.join(map(str, years)) or 'none'})")
        years = [args.year]
    if not years:
        raise CannotRun(f"{root} holds no year: no <source>/<year>/ folder and no Kolada period")

    _prepare_environment()
    run_config = _quiet(args.verbose)
    import dagster as dg

    from .report import RunReport
    from .stages import describe_year_run

    _say(f"followup: {len(years)} year(s) from {root}")
    _say(f"          warehouse {config.warehouse_dir()}  (Dagster instance: {os.environ['DAGSTER_HOME']}/dagster.yaml)")
    t_all = time.monotonic()
    try:
        from .definitions import defs
    except Exception as e:  # a broken dbt project or code: nothing can run
        raise CannotRun(f"the pipeline's definitions do not load: {type(e).__name__}: {str(e).strip().splitlines()[-1]}") from e
    from .partitions import year_partitions

    instance = dg.DagsterInstance.get()
    existing = set(instance.get_dynamic_partitions(year_partitions.name))
    new = [str(y) for y in years if str(y) not in existing]
    if new:
        instance.add_dynamic_partitions(year_partitions.name, new)
    load_job = defs.resolve_job_def("load_year")
    publish_job = defs.resolve_job_def("publish")

    from .dbt_warm import warm_dbt

    report = RunReport(raw_dir=root, warehouse=config.warehouse_dir())
    with warm_dbt():  # one dbt start-up for all the years' dbt commands (pipelines/dbt_warm.py)
        for year in years:
            t0 = time.monotonic()
            with _silenced(args.verbose):
                result = load_job.execute_in_process(partition_key=str(year), instance=instance, run_config=run_config, raise_on_error=False)
            for line in describe_year_run(year, result, time.monotonic() - t0):
                _say(line)
            report.add_year_run(year, result)

    t0 = time.monotonic()
    with _silenced(args.verbose):
        pub = publish_job.execute_in_process(instance=instance, run_config=run_config, raise_on_error=False)
    if not pub.success:
        failure = next((e for e in pub.all_events if e.is_step_failure), None)
        msg = failure.step_failure_data.error.message.strip().splitlines()[0] if failure else "unknown error"
        report.write(publish=None)
        raise CannotRun(f"publishing failed, the published warehouse is unchanged: {msg}")
    from .publish import PUBLISHED
    from .summary import published_summary

    summary = published_summary(config.warehouse_dir() / PUBLISHED)
    paths = report.write(publish=summary)
    _say(f"publish   ok     {config.warehouse_dir() / PUBLISHED}  ({time.monotonic() - t0:.1f} s)")
    for line in summary.lines():
        _say(line)
    _say(f"report    {paths[0]}  and  {paths[1]}")
    passed_now = [y for y in years if y not in report.failed_years()]
    if not args.no_reports and passed_now:
        _make_reports(passed_now)
    failed = report.failed_years()
    _say(f"done in {time.monotonic() - t_all:.1f} s: " + (
        f"{len(failed)} year(s) failed their checks and kept their last published version: {', '.join(map(str, failed))}" if failed
        else "every year passed"))
    return EXIT_FAILED_YEARS if failed else EXIT_OK


def _make_reports(years: list[int]) -> None:
    """The printable reports of the municipalities and years this run published (issue 8).
    A report that cannot be made is said, but does not fail the run: the data is published."""
    from .report_doc import render_all

    t0 = time.monotonic()
    made = []
    for year in years:
        try:
            made += render_all(config.published_path(), year, config.reports_dir(), workers=os.cpu_count() or 1)
        except Exception as e:  # noqa: BLE001 - the publish stands; say what went wrong
            _say(f"reports   FAILED for {year}: {type(e).__name__}: {e}")
    if made:
        _say(f"reports   {len(made)} printable report(s) in {config.reports_dir()}/<kommunkod>/<year>.html|pdf"
             f"  ({time.monotonic() - t0:.1f} s)")


def cmd_report(argv: list[str]) -> int:
    from .report_doc import main as report_main

    return report_main(argv)


def cmd_rollback(args) -> int:
    from .publish import rollback

    path = rollback(config.warehouse_dir())
    _say(f"rolled back: {path} is the previous published version again (run `followup rollback` again to undo)")
    return EXIT_OK


def cmd_years(args) -> int:
    from .years import discover_years

    root = config.raw_dir()
    if not root.is_dir():
        raise CannotRun(f"no raw directory at {root}")
    _say(" ".join(str(y) for y in discover_years(root)))
    return EXIT_OK


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's own exit code is 2 as well; keep its one line
        raise CannotRun(message)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="followup", description="Load, check and publish the follow-up warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="load every year (or one) through the Dagster asset graph, check it and publish")
    run.add_argument("--year", type=int, help="load only this year")
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's and dbt's own logs")
    run.add_argument("--no-reports", action="store_true", help="do not make the printable reports after publishing")
    run.set_defaults(func=cmd_run)
    sub.add_parser("report", help="make the printable follow-up report (see `followup report -h`)", add_help=False)
    rb = sub.add_parser("rollback", help="put the previous published warehouse back")
    rb.set_defaults(func=cmd_rollback)
    yr = sub.add_parser("years", help="list the years found in the raw directory")
    yr.set_defaults(func=cmd_years)
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["report"]:
        return cmd_report(argv[1:])
    try:
        args = parser.parse_args(argv)
        return args.func(args)
    except CannotRun as e:
        print(f"followup: error: {e}", file=sys.stderr)
        return EXIT_CANNOT_RUN
    except FileNotFoundError as e:
        print(f"followup: error: {e}", file=sys.stderr)
        return EXIT_CANNOT_RUN


if __name__ == "__main__":
    sys.exit(main())
