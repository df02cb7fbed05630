"""The printable follow-up report (issue 8): one municipality's year as a self-contained HTML file
and an A4 PDF, made from the published warehouse only.

    render_report(published, "0483", 2022, out_dir) -> (out_dir/0483/2022.html, out_dir/0483/2022.pdf)
    render_all(published, 2022, out_dir)            -> every municipality with goal or survey data
    main(["--kommun", "0483", "--year", "2022"])    -> `followup report ...` (exit 0 / 2)

It reads `<warehouse>/followup.duckdb` (read-only) and `<warehouse>/reports/latest.json`, never the
raw files or the build database. See docs/report.md.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .data import Report, ReportError, YearData, build_report, connect, load_report, load_run_report, report_pairs

__all__ = ["render_report", "render_all", "main", "ReportError", "Rendered", "load_run_report"]


@dataclass(frozen=True)
class Rendered:
    kommunkod: str
    year: int
    html: Path
    pdf: Path
    seconds: float


def _default_run_report(published: Path) -> Path:
    return Path(published).parent / "reports" / "latest.json"


ENGINES = ("typst", "weasyprint")


def _write(report: Report, out_dir: Path, engine: str = "typst") -> tuple[Path, Path]:
    """Charts, HTML and PDF of one report's content (no query: see data.YearData)."""
    from .render import add_charts, made_now, render_html, write_pdf, write_pdf_typst, write_text

    made = made_now()
    add_charts(report)
    html = render_html(report, made)
    target = Path(out_dir) / report.kommunkod
    html_path, pdf_path = target / f"{report.year}.html", target / f"{report.year}.pdf"
    write_text(html, html_path)
    if engine == "weasyprint":
        write_pdf(html, pdf_path)
    else:
        write_pdf_typst(report, pdf_path, made)
    return html_path, pdf_path


def render_report(published: Path, kommunkod: str, year: int, out_dir: Path,
                  run_report: Path | None = None, engine: str = "typst") -> tuple[Path, Path]:
    """Write `<out_dir>/<kommunkod>/<year>.html` and `.pdf`. run_report defaults to
    `<published's folder>/reports/latest.json` (optional: without it the cover says so)."""
    published = Path(published)
    con = connect(published)
    try:
        run_doc = load_run_report(run_report or _default_run_report(published))
        report = load_report(con, kommunkod, int(year), run_doc)
    finally:
        con.close()
    return _write(report, Path(out_dir), engine)


def render_all(published: Path, year: int | None, out_dir: Path, run_report: Path | None = None,
               workers: int = 1, engine: str = "typst", progress=None) -> list[Rendered]:
    """Every municipality with goal or survey data in `year` (every year when None).

    Each year's data is read once (data.YearData: one set of queries for all municipalities)
    and every report's content is assembled in this process; the charts, the HTML and the PDF
    are made by `workers` processes, started (and warmed: imports, Typst compiler and fonts)
    before the data is read, each taking chunks of reports. Returns the reports in (year,
    kommunkod) order. `progress(done, total)`, when given, is called as reports are finished."""
    published = Path(published)
    out_dir = Path(out_dir)
    if not published.is_file():
        connect(published)  # raises ReportError, before any process is started
    pool = _pool(workers, engine) if workers > 1 else None
    try:
        jobs, done, queued, pending = [], [], 0, []
        con = connect(published)
        try:
            run_doc = load_run_report(run_report or _default_run_report(published))
            years = sorted({y for _k, y in report_pairs(con, year)})
            for y in years:
                data = YearData(con, y)
                reports = [build_report(data, k, run_doc) for k in data.kommuner()]
                if pool is None:
                    pending += reports
                    continue
                # a chunk per task: few round trips, and still an even spread over the workers
                size = max(1, min(8, len(reports) // (workers * 4)))
                jobs += [pool.submit(_timed_chunk, reports[i:i + size], out_dir, engine)
                         for i in range(0, len(reports), size)]
                queued += len(reports)
        finally:
            con.close()
        for r in pending:  # one process: the reports of every year, in order
            done.append(_timed(r, out_dir, engine))
            if progress is not None:
                progress(len(done), len(pending))
        if progress is not None and jobs:
            from concurrent.futures import as_completed

            finished = 0
            for job in as_completed(jobs):
                finished += len(job.result())
                progress(finished, queued)
        return done + [d for j in jobs for d in j.result()]
    finally:
        if pool is not None:
            pool.shutdown()


def _pool(workers: int, engine: str):
    """`workers` processes, started now (before the published file is opened) and warming up.

    Spawned, not forked: Typst's thread pool, once used in this process (a report rendered
    in-process before, as in the test suite), does not exist in a forked child, whose first PDF
    would then wait for it forever. A spawned worker pays its imports (~1 s of CPU) once a batch;
    it is this process's child, so its CPU time counts in this process's rusage."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    for _ in range(workers):  # each submit to a pool without an idle process starts one
        pool.submit(_warm, engine)
    return pool


def _warm(engine: str) -> None:
    from . import charts, render

    charts._metrics()
    render.render_html  # noqa: B018 - the imports are the point
    if engine == "typst":
        render._compiler()


def _timed(report: Report, out_dir: Path, engine: str) -> Rendered:
    t0 = time.monotonic()
    html, pdf = _write(report, out_dir, engine)
    return Rendered(report.kommunkod, report.year, html, pdf, time.monotonic() - t0)


def _timed_chunk(reports: list[Report], out_dir: Path, engine: str) -> list[Rendered]:
    return [_timed(r, out_dir, engine) for r in reports]


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        raise ReportError(message)


def main(argv: list[str] | None = None) -> int:
    """`followup report --kommun 0483 --year 2024` or `followup report --all [--year Y]`."""
    parser = _Parser(prog="followup report",
                     description="Make the printable follow-up report (HTML and PDF) from the published warehouse.")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--kommun", help="municipality code, e.g. 0483")
    who.add_argument("--all", action="store_true", help="every municipality with goal or survey data")
    parser.add_argument("--year", type=int, help="the year (required with --kommun; with --all, default every year)")
    parser.add_argument("--jobs", type=int, default=1, help="with --all: render in this many processes (default 1)")
    parser.add_argument("--engine", choices=ENGINES, default="typst",
                        help="the PDF's renderer: typst (default) or weasyprint (the HTML through WeasyPrint; ~20x slower)")
    try:
        args = parser.parse_args(argv)
        if args.kommun and args.year is None:
            raise ReportError("--kommun needs --year")
        if args.kommun and not (len(args.kommun) == 4 and args.kommun.isdigit()):
            raise ReportError(f"--kommun {args.kommun}: a municipality code has four digits, e.g. 0483")
        warehouse = Path(os.environ.get("FOLLOWUP_WAREHOUSE_DIR", "warehouse")).expanduser().resolve()
        published, out_dir = warehouse / "followup.duckdb", warehouse / "reports"
        t0 = time.monotonic()
        if args.kommun:
            html, pdf = render_report(published, args.kommun, args.year, out_dir, engine=args.engine)
            print(f"report    {html}  and  {pdf}  ({time.monotonic() - t0:.1f} s)", flush=True)
        else:
            done = render_all(published, args.year, out_dir, workers=max(1, args.jobs), engine=args.engine)
            if not done:
                raise ReportError(f"no municipality has goal or survey data"
                                  f"{f' for {args.year}' if args.year else ''} in {published}")
            for d in done:
                print(f"report    {d.kommunkod} {d.year}  {d.pdf}  ({d.seconds:.1f} s)", flush=True)
            print(f"done: {len(done)} report(s) in {time.monotonic() - t0:.1f} s", flush=True)
        return 0
    except ReportError as e:
        print(f"followup report: error: {e}", file=sys.stderr)
        return 2
