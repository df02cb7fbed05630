"""`followup`: the command line (contract section 1).

    followup run [--year YYYY] [--force] [--wait] [-v] [--no-reports]
                                      load the years whose raw files or code changed (every year
                                      with --force; one with --year), check each year, publish,
                                      write the run report and the printable reports
    followup publish [--year YYYY] [--wait] [-v] [--no-reports]
                                      the same job without reading raw files: rebuild every loaded
                                      year's models from its landed data (dbt, the gate), publish
                                      (after a change to the dbt project only)
    followup report --kommun K --year Y | --all [--year Y]
                                      the printable follow-up report (HTML and PDF)
    followup rollback                 put the previous published file back
    followup years                    list the years the raw directory holds

`run` starts the `followup` job, the same one `dagster dev`, the schedule and the sensor start,
in this process, on the instance that dagster.yaml configures (so its runs appear in the UI's
run history), and prints the run's concise lines as it goes. Exit codes:
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

from . import config, heap

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


@contextlib.contextmanager
def _stderr_to_file(path, verbose: bool):
    """Send the process's stderr (file descriptor 2, which the run's helper processes inherit:
    dbt, Dagster's log watchers) to `path` for the block, so that a fault or a Ctrl-C ends in
    followup's one line and not in their tracebacks; -v keeps them on the terminal."""
    if verbose:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        sink = open(path, "wb")
    except OSError:  # a read-only or full warehouse: the run will say so itself
        sink = open(os.devnull, "ab")
    try:
        os.dup2(sink.fileno(), 2)
        yield
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        sink.close()


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
    if not years:
        raise CannotRun(f"{root} holds no year: no <source>/<year>/ folder and no Kolada period")

    _prepare_environment()
    _quiet(args.verbose)
    import uuid

    from .faults import describe
    from .lock import WarehouseBusy, writer_lock

    warehouse = config.warehouse_dir()
    run_id = str(uuid.uuid4())  # what Dagster's make_new_run_id makes, without importing Dagster yet
    t_all = time.monotonic()
    try:
        with writer_lock(warehouse, run_id=run_id, wait=args.wait):
            rebuild = getattr(args, "rebuild", False)
            _say(f"followup: {'year ' + str(args.year) if args.year else f'{len(years)} year(s)'} from {root}"
                 + ("  (--force: every year is loaded again)" if args.force else "")
                 + ("  (publish: every loaded year rebuilt from its landed data, no raw file read)" if rebuild else ""))
            if not args.force and not rebuild and _nothing_to_do(args, root, warehouse, run_id, t_all):
                return EXIT_OK
            _say(f"          warehouse {warehouse}  (Dagster instance {os.environ['DAGSTER_HOME']}/dagster.yaml, run {run_id})")
            if not rebuild:  # GX imports on the other core while this process imports Dagster and dbt
                from .checks import gx_process

                gx_process.start()
            import dagster as dg

            try:
                from .definitions import defs
            except Exception as e:  # a broken dbt project or code: nothing can run
                raise CannotRun(f"the pipeline's definitions do not load: {type(e).__name__}: {str(e).strip().splitlines()[-1]}") from e
            job = defs.resolve_job_def("followup")
            run_config = {
                "ops": {"load_plan": {"config": {"years": [args.year] if args.year else [], "force": bool(args.force),
                                                 "rebuild": bool(rebuild)}},
                        "printed_reports": {"config": {"enabled": not args.no_reports}}},
                "loggers": {"followup_console": {},
                            **({"console": {"config": {"log_level": "DEBUG"}}} if args.verbose else {})},
            }
            from . import lines

            lines.OUT = sys.stdout
            with _silenced(args.verbose), _stderr_to_file(config.build_dir() / "last_run.stderr", args.verbose):
                result = job.execute_in_process(run_config=run_config, instance=dg.DagsterInstance.get(), run_id=run_id,
                                                raise_on_error=False, tags={"followup/trigger": "cli"})
    except WarehouseBusy as e:
        raise CannotRun(f"{e}; wait for it to finish or run again with --wait") from None
    except KeyboardInterrupt:
        raise CannotRun("interrupted (Ctrl-C): the published warehouse is as it was; the next run starts over") from None
    except CannotRun:
        raise
    except Exception as e:  # Dagster's own storage, the build folder, ...: one line, never a traceback
        raise CannotRun(f"the run could not go on: {describe(e)}; the published warehouse is as it was") from None
    return _finish(result, t_all)


def _nothing_to_do(args, root, warehouse, run_id: str, t_all: float) -> bool:
    """When every year of the run is unchanged since its last passed load and the published file
    holds each one's newest version, the job would only say so: say it here, write the run report
    and start no Dagster run (about 0.5 s instead of a run's seconds of start-up). The decision is
    the job's own (pipelines/plan.py `make_plan`, the same as its `load_plan` step)."""
    import duckdb

    from .ingest import ensure_schema
    from .plan import nothing_to_do, save_plan
    from .publish import PUBLISHED
    from .report import build_run_report, write_run_report

    build_db, target = config.build_db_path(), warehouse / PUBLISHED
    if not build_db.exists():
        return False
    con = duckdb.connect(str(build_db), config={"memory_limit": config.duckdb_memory_limit()})
    try:
        ensure_schema(con)
        plan = nothing_to_do(con, root, target, [args.year] if args.year else None)
        if plan is None:
            return False
        save_plan(con, run_id, plan)
    finally:
        con.close()
    _say(f"          warehouse {warehouse}  (nothing to do: no Dagster run started)")
    _say(f"plan      {plan.describe()}")
    _say(f"publish   unchanged  {target}  (it holds every passed year's newest version)")
    doc = build_run_report(build_db, warehouse, root, run_id)
    doc["dagster_run"] = False
    json_path, md_path = write_run_report(doc, warehouse)
    _say(f"report    {json_path}  and  {md_path}")
    failed = [y["year"] for y in doc["years"] if not y["passed"]]
    if failed:  # cannot be (a failed year is loaded again), but never call a failed year passed
        raise CannotRun(f"years {failed} are unchanged but did not pass; run again with --force")
    _say(f"done in {time.monotonic() - t_all:.1f} s: nothing changed since the last run "
         "(followup run --force loads every year again)")
    return True


def _finish(result, t_all: float) -> int:
    """Exit code and last line from the run's outcome and its run report."""
    import json

    failure = next(iter(result.get_step_failure_events()), None) if not result.success else None
    if failure is not None:
        err = failure.step_failure_data.error
        cause = _error_line(err) if err else "the step failed"
        step = failure.step_key
        if "Interrupted" in cause or "KeyboardInterrupt" in cause:
            raise CannotRun(f"interrupted (Ctrl-C) during {step}: the published warehouse is unchanged; the next run starts over")
        published = "the published warehouse is unchanged" if step != "printed_reports" else "the data is published"
        raise CannotRun(f"{step} failed: {cause}; {published} (reports/latest.json names the failure)")
    if not result.success:  # stopped between steps (e.g. Ctrl-C): no step failed, no hook wrote the report
        import dagster as dg

        end = next((e for e in result.all_events if e.event_type == dg.DagsterEventType.RUN_FAILURE), None)
        text = (end.message or "") if end else ""
        interrupted = "interrupted" in text.lower()
        _report_failure(result.run_id, "interrupted (Ctrl-C)" if interrupted else (text or "the run failed"))
        if interrupted:
            raise CannotRun("interrupted (Ctrl-C): the published warehouse is unchanged; the next run starts over")
        raise CannotRun(f"the run failed: {text or 'no step said why'}; the published warehouse is unchanged")
    report = json.loads((config.reports_dir() / "latest.json").read_text(encoding="utf-8"))
    failed = [y["year"] for y in report["years"] if not y["passed"]]
    _say(f"done in {time.monotonic() - t_all:.1f} s: " + (
        f"{len(failed)} year(s) failed their checks and kept their last published version: {', '.join(map(str, failed))}" if failed
        else "every year passed"))
    return EXIT_FAILED_YEARS if failed else EXIT_OK


def _report_failure(run_id: str, message: str) -> None:
    """The run report of a run that stopped where no step's failure hook could write it."""
    from .report import build_run_report, write_run_report

    try:
        doc = build_run_report(config.build_db_path(), config.warehouse_dir(), config.raw_dir(), run_id,
                               failure={"step": "run", "message": message})
        write_run_report(doc, config.warehouse_dir())
    except Exception:  # noqa: BLE001 - best effort: the one line on stderr says what happened
        pass


def _error_line(err) -> str:
    """The cause of a step failure in one line (the innermost error's first line)."""
    while getattr(err, "cause", None) is not None:
        err = err.cause
    text = (err.message or "").strip().splitlines()
    return text[0][:400] if text else err.cls_name or "unknown error"


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
    heap.tune()  # before Dagster's and dbt's imports (pipelines/heap.py)
    parser = _Parser(prog="followup", description="Load, check and publish the follow-up warehouse.")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="load every year (or one) through the Dagster asset graph, check it and publish")
    run.add_argument("--year", type=int, help="load only this year")
    run.add_argument("-v", "--verbose", action="store_true", help="show Dagster's and dbt's own logs")
    run.add_argument("--no-reports", action="store_true", help="do not make the printable reports after publishing")
    run.add_argument("--force", action="store_true", help="load every year again, changed or not")
    run.add_argument("--wait", action="store_true", help="when another run is writing the warehouse, wait for it instead of exiting 2")
    run.set_defaults(func=cmd_run)
    pub = sub.add_parser("publish", help="rebuild the loaded years' models (no raw file read), check them and publish")
    pub.add_argument("--year", type=int, help="rebuild only this year (and the next, whose trend reads it)")
    pub.add_argument("-v", "--verbose", action="store_true", help="show Dagster's and dbt's own logs")
    pub.add_argument("--no-reports", action="store_true", help="do not make the printable reports after publishing")
    pub.add_argument("--wait", action="store_true", help="when another run is writing the warehouse, wait for it instead of exiting 2")
    pub.set_defaults(func=cmd_run, force=False, rebuild=True)
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
