"""The printable reports of a national-shaped year: wall time and CPU per report (issue 16).

    python bench/reports.py [--runs 3] [--jobs 2] [--year 2022] [--out bench/out/reports]

1. Data (once, cached in `<out>/raw`): the national profile's 290 municipalities with their
   synthetic organisation trees (sized for the full national staff), surveys for 2021 and 2022 at
   a quarter of the national staff volume (the report's content does not grow with the number of
   respondents, only the load does), Kolada 2018-2022 and the benchmark's goal models
   (bench/goal_models.py: 20-40 indicators a municipality, activities, peers). 2021 is there so
   that the year's indicators have a change, a trend and a line in their charts.
2. A published warehouse (once, cached in `<out>/warehouse`): `followup run --no-reports`.
3. `--runs` times: `followup report --all --year YEAR --jobs JOBS` into a fresh reports folder,
   its wall time and the CPU time of the whole process tree (user + system, from the command's
   rusage: bench/run.py's measure_reports, the benchmark's reports step), divided by the number of reports. The median over the runs is the
   figure; the machine's load average before and after each run says how busy it was (the
   machine is shared).

Results go to `<out>/results.json`.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
from run import measure_reports  # noqa: E402  (bench/run.py: the benchmark's step that measures the same command)
PY = sys.executable
SEED = 2024
SURVEY_YEARS = [2021, 2022]
KOLADA_PERIODS = (2018, 2022)
STAFF_SCALE = 0.25  # a quarter of the national staff volume (respondents, not units)


def _stamp() -> dict:
    import hashlib

    h = hashlib.sha256()
    for p in (REPO / "pipelines" / "demo" / "generate.py", HERE / "goal_models.py"):
        h.update(p.read_bytes())
    return {"seed": SEED, "years": SURVEY_YEARS, "kolada": list(KOLADA_PERIODS), "scale": STAFF_SCALE,
            "code": h.hexdigest()[:16]}


def make_raw(out: Path) -> Path:
    """The national-shaped raw directory (cached while the generator and this file are unchanged)."""
    raw, stamp_file = out / "raw", out / "raw.stamp.json"
    if raw.is_dir() and stamp_file.is_file() and json.loads(stamp_file.read_text()) == _stamp():
        return raw
    print(f"generating national-shaped data into {raw} ...", flush=True)
    t0 = time.monotonic()
    shutil.rmtree(raw, ignore_errors=True)
    sys.path.insert(0, str(REPO))
    sys.path.insert(0, str(HERE))
    from pipelines.demo import generate as gen

    national = gen._plan("national", SEED)
    plan = dataclasses.replace(national, years=list(SURVEY_YEARS), kolada_periods=KOLADA_PERIODS)
    full_count = gen._staff_count

    def quarter(p, kod, year, seed):  # the trees keep their national size; fewer respondents answer
        return max(1, int(round(full_count(p, kod, year, seed) * STAFF_SCALE)))

    gen._plan = lambda profile, seed: plan
    gen._staff_count = quarter
    summary = gen.generate(raw, "national", SEED)
    from goal_models import write_goal_models

    summary["goal_models"] = write_goal_models(raw)
    (out / "generate.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1))
    stamp_file.write_text(json.dumps(_stamp()))
    print(f"  {summary['files']} files, {summary['respondents']} respondents, {time.monotonic() - t0:.0f} s", flush=True)
    return raw


def _env(raw: Path, warehouse: Path) -> dict:
    return {**os.environ, "FOLLOWUP_RAW_DIR": str(raw), "FOLLOWUP_WAREHOUSE_DIR": str(warehouse),
            "DAGSTER_HOME": str(REPO), "FOLLOWUP_DAGSTER_STORAGE": str(warehouse / ".dagster"),
            "FOLLOWUP_DAGSTER_COMPUTE_LOGS": str(warehouse / ".dagster" / "compute_logs"),
            "PYTHONPATH": str(REPO)}


def publish(raw: Path, out: Path) -> Path:
    """`followup run --no-reports` on the raw directory, once (the reports are what is measured)."""
    warehouse = out / "warehouse"
    stamp_file = out / "warehouse.stamp.json"
    stamp = {**_stamp(), "raw": (out / "raw.stamp.json").read_text()}
    if (warehouse / "followup.duckdb").is_file() and stamp_file.is_file() and json.loads(stamp_file.read_text()) == stamp:
        return warehouse
    shutil.rmtree(warehouse, ignore_errors=True)
    print(f"publishing {raw} into {warehouse} (followup run --no-reports) ...", flush=True)
    t0 = time.monotonic()
    with open(out / "publish.log", "w") as log:
        rc = subprocess.run([PY, "-m", "pipelines.cli", "run", "--no-reports"], cwd=REPO, env=_env(raw, warehouse),
                            stdout=log, stderr=subprocess.STDOUT).returncode
    if rc != 0:
        raise SystemExit(f"followup run failed ({rc}); see {out / 'publish.log'}")
    stamp_file.write_text(json.dumps(stamp))
    print(f"  published in {time.monotonic() - t0:.0f} s", flush=True)
    return warehouse


def measure_batch(out: Path, warehouse: Path, year: int, jobs: int, engine: str, run: int) -> dict:
    """`followup report --all --year YEAR --jobs JOBS` into a fresh reports folder (bench/run.py's
    measure_reports): wall time and the CPU time of the whole process tree."""
    r = measure_reports(warehouse, out / "run", year, jobs, out / f"report-{run}.log", engine=engine)
    if r["rc"] != 0:
        raise SystemExit(f"followup report failed ({r['rc']}); see {out / f'report-{run}.log'}")
    digits = {"wall_s": 2, "cpu_s": 2, "cpu_per_report_s": 3, "wall_per_report_s": 3, "reports_per_minute": 1,
              "loadavg_before": 2, "loadavg_after": 2}
    return {"run": run, "reports": r["reports"], "peak_tree_rss": r["peak_tree_rss"],
            **{k: round(r[k], d) for k, d in digits.items()}}


def compare_engines(warehouse: Path, year: int, n: int, out: Path) -> dict:
    """`n` municipalities (evenly spread over the codes) rendered with both engines in this process,
    from the same content and the same 'made' time: CPU per report of each engine's PDF step
    (charts and HTML apart), and the pages: count and words of every page (pypdf text) equal."""
    import collections
    import re

    from pypdf import PdfReader

    sys.path.insert(0, str(REPO))
    from pipelines.report_doc import data as rdata
    from pipelines.report_doc import render

    def page_words(path: Path) -> list[collections.Counter]:
        return [collections.Counter(w.lower() for w in re.findall(r"\w+|[^\w\s]", p.extract_text() or ""))
                for p in PdfReader(str(path)).pages]

    con = rdata.connect(warehouse / "followup.duckdb")
    try:
        run_doc = rdata.load_run_report(warehouse / "reports" / "latest.json")
        year_data = rdata.YearData(con, year)
    finally:
        con.close()
    codes = year_data.kommuner()
    sample = codes[:: max(1, len(codes) // n)][:n]
    target = out / "compare"
    shutil.rmtree(target, ignore_errors=True)
    rows, cpu = [], {"charts_html": 0.0, "weasyprint": 0.0, "typst": 0.0}
    for i, k in enumerate(sample):
        report = rdata.build_report(year_data, k, run_doc)
        made = render.made_now()
        c0 = time.process_time()
        render.add_charts(report)
        html = render.render_html(report, made)
        c1 = time.process_time()
        render.write_pdf(html, target / "weasyprint" / f"{k}.pdf")
        c2 = time.process_time()
        render.write_pdf_typst(report, target / "typst" / f"{k}.pdf", made)
        c3 = time.process_time()
        if i > 0:  # the first report of a process also pays the imports and font loading
            cpu["charts_html"] += c1 - c0
            cpu["weasyprint"] += c2 - c1
            cpu["typst"] += c3 - c2
        a, b = page_words(target / "weasyprint" / f"{k}.pdf"), page_words(target / "typst" / f"{k}.pdf")
        rows.append({"kommunkod": k, "pages_weasyprint": len(a), "pages_typst": len(b),
                     "pages_same_words": sum(1 for x, y in zip(a, b) if x == y)})
        print(f"  {k}: {len(a)} / {len(b)} pages, {rows[-1]['pages_same_words']} with the same words", flush=True)
    m = max(1, len(sample) - 1)
    return {"sample": len(sample), "cpu_per_report_s": {k: round(v / m, 3) for k, v in cpu.items()},
            "same_page_count": sum(r["pages_weasyprint"] == r["pages_typst"] for r in rows),
            "pages": sum(r["pages_weasyprint"] for r in rows),
            "pages_same_words": sum(r["pages_same_words"] for r in rows), "reports": rows}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--out", type=Path, default=HERE / "out" / "reports")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--year", type=int, default=SURVEY_YEARS[-1])
    p.add_argument("--engine", default="typst", choices=("typst", "weasyprint"))
    p.add_argument("--compare", type=int, default=0, metavar="N",
                   help="also render N municipalities with both engines: CPU of each and the pages compared")
    p.add_argument("--data-only", action="store_true", help="make the raw data and the published warehouse, measure nothing")
    args = p.parse_args(argv)
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    raw = make_raw(out)
    warehouse = publish(raw, out)
    if args.data_only:
        return 0
    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
              "command": "python bench/reports.py " + " ".join(argv if argv is not None else sys.argv[1:]),
              "year": args.year, "jobs": args.jobs, "engine": args.engine, "runs": []}
    for run in range(1, args.runs + 1):
        r = measure_batch(out, warehouse, args.year, args.jobs, args.engine, run)
        result["runs"].append(r)
        print(f"run {run}: {r['reports']} reports in {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s CPU "
              f"({r['cpu_per_report_s']:.3f} s a report), load average {r['loadavg_before']} -> {r['loadavg_after']}", flush=True)
        (out / "results.partial.json").write_text(json.dumps(result, indent=1))
    if result["runs"]:
        med = {k: statistics.median(r[k] for r in result["runs"])
               for k in ("wall_s", "cpu_s", "cpu_per_report_s", "reports_per_minute")}
        result["median"] = med
        print(f"median of {len(result['runs'])}: {med['wall_s']:.1f} s wall, {med['cpu_s']:.1f} s CPU, "
              f"{med['cpu_per_report_s']:.3f} s CPU a report, {med['reports_per_minute']:.0f} reports a minute", flush=True)
    if args.compare:
        print(f"comparing the engines on {args.compare} municipalities ...", flush=True)
        result["compare"] = c = compare_engines(warehouse, args.year, args.compare, out)
        print(f"  CPU a report: charts + HTML {c['cpu_per_report_s']['charts_html']:.3f} s, WeasyPrint "
              f"{c['cpu_per_report_s']['weasyprint']:.3f} s, Typst {c['cpu_per_report_s']['typst']:.3f} s; same page count "
              f"{c['same_page_count']} of {c['sample']}, pages with the same words {c['pages_same_words']} of {c['pages']}")
    (out / "results.json").write_text(json.dumps(result, indent=1))
    print(f"results: {out / 'results.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
