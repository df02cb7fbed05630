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

from .data import ReportError, connect, load_report, load_run_report, report_pairs

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


def _render_one(con, published: Path, kommunkod: str, year: int, out_dir: Path, run_doc) -> tuple[Path, Path]:
    from .render import add_charts, render_html, write_pdf, write_text

    report = load_report(con, kommunkod, year, run_doc)
    add_charts(report)
    html = render_html(report)
    target = Path(out_dir) / kommunkod
    html_path, pdf_path = target / f"{year}.html", target / f"{year}.pdf"
    write_text(html, html_path)
    write_pdf(html, pdf_path)
    return html_path, pdf_path


def render_report(published: Path, kommunkod: str, year: int, out_dir: Path,
                  run_report: Path | None = None) -> tuple[Path, Path]:
    """Write `<out_dir>/<kommunkod>/<year>.html` and `.pdf`. run_report defaults to
    `<published's folder>/reports/latest.json` (optional: without it the cover says so)."""
    published = Path(published)
    con = connect(published)
    try:
        run_doc = load_run_report(run_report or _default_run_report(published))
        return _render_one(con, published, kommunkod, int(year), Path(out_dir), run_doc)
    finally:
        con.close()


def render_all(published: Path, year: int | None, out_dir: Path, run_report: Path | None = None,
               workers: int = 1) -> list[Rendered]:
    """Every municipality with goal or survey data in `year` (every year when None). One report takes
    a few seconds (WeasyPrint's layout is most of it); `workers` > 1 renders in that many processes."""
    published = Path(published)
    con = connect(published)
    try:
        pairs = report_pairs(con, year)
        if workers <= 1 or len(pairs) <= 1:
            run_doc = load_run_report(run_report or _default_run_report(published))
            out = []
            for kommunkod, y in pairs:
                t0 = time.monotonic()
                html, pdf = _render_one(con, published, kommunkod, y, Path(out_dir), run_doc)
                out.append(Rendered(kommunkod, y, html, pdf, time.monotonic() - t0))
            return out
    finally:
        con.close()
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers) as pool:
        jobs = [pool.submit(_timed, published, k, y, Path(out_dir), run_report) for k, y in pairs]
        return [j.result() for j in jobs]


def _timed(published: Path, kommunkod: str, year: int, out_dir: Path, run_report: Path | None) -> Rendered:
    t0 = time.monotonic()
    html, pdf = render_report(published, kommunkod, year, out_dir, run_report)
    return Rendered(kommunkod, year, html, pdf, time.monotonic() - t0)


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
            html, pdf = render_report(published, args.kommun, args.year, out_dir)
            print(f"report    {html}  and  {pdf}  ({time.monotonic() - t0:.1f} s)", flush=True)
        else:
            done = render_all(published, args.year, out_dir, workers=max(1, args.jobs))
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
