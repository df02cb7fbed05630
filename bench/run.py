"""The benchmark: the real pipeline against the floor (bench/floor.sql) and the pandas peer.

    python bench/run.py --profile small|large|national [--runs N] [--write-doc]

Generates the profile's raw data with the repo's seeded generator (cached under bench/out/data/,
git-ignored; `small` is the committed demo in raw/), then measures, each `--runs` times in turn
(A B C ... A B C ..., so every ratio is taken pair by pair from the same round):

  full build     `followup run` on an empty warehouse: wall, CPU, peak memory of the process tree,
                 and the time per stage (ingest, dbt, checks, publish) from the Dagster event log
  re-run         `followup run` again with nothing changed
  new year       `followup run --year LAST` onto a warehouse that has published every other year
  floor          bench/floor.py on all years, and on the last year only (the new year's floor); its
                 conversion of files that are not UTF-8 CSV (its own figure) reported apart
  reports        `followup report --all --year LAST --jobs <cores>` on the full build's published file,
                 into a fresh reports folder: wall, CPU, peak memory, and the CPU a report
  pandas peer    bench/pandas_peer.py compute_cells on all years
  queries        five dashboard queries on the published file: p50 / p95 / max over ~50 executions

and prints (and with --write-doc writes into docs/performance.md) one table against the targets
of issue 7. Results also go to bench/out/results-<profile>.json. See docs/performance.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import platform
import re
import resource
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"
DOC = REPO / "docs" / "performance.md"
PY = sys.executable
FOLLOWUP = str(Path(PY).parent / "followup")
PAGE = os.sysconf("SC_PAGE_SIZE")
GB = 1024 ** 3

TARGET_BUILD_FACTOR, TARGET_BUILD_FIXED = 2.0, 30.0
TARGET_YEAR_FACTOR, TARGET_YEAR_FIXED = 1.3, 30.0
TARGET_MEMORY = 4 * GB
TARGET_QUERY_P95 = 0.050
TARGET_REPORTS_WALL, TARGET_REPORT_CPU = 120.0, 0.8  # issue 16: a national year's 290 reports, and each one's CPU


# ============================================================================ measuring a process
def _rss_of_tree(root: int) -> tuple[int, int]:
    """(sum of RSS bytes over `root` and all its descendants, number of processes)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read().decode(errors="replace")
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2:].split()
        pid = int(entry)
        parents[pid] = int(fields[1])
        rss[pid] = int(fields[21]) * PAGE
    tree, frontier = {root}, [root]
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    while frontier:
        nxt = []
        for p in frontier:
            for c in children.get(p, []):
                if c not in tree:
                    tree.add(c)
                    nxt.append(c)
        frontier = nxt
    return sum(rss.get(p, 0) for p in tree), len(tree)


def measure(cmd: list[str], env: dict | None = None, timeout: float | None = None, log: Path | None = None,
            poll: float = 0.2) -> dict:
    """Run `cmd`; wall time, CPU time (rusage), the peak of the process tree's summed RSS (polled
    every `poll` s) and the largest single process's max RSS (rusage). Output goes to `log`."""
    env = {**os.environ, **(env or {})}
    out = open(log, "w") if log else subprocess.DEVNULL
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=REPO, start_new_session=True)
    peak = {"rss": 0, "procs": 0}
    done = threading.Event()

    def poller():
        while not done.is_set():
            try:
                total, n = _rss_of_tree(proc.pid)
                if total > peak["rss"]:
                    peak["rss"] = total
                peak["procs"] = max(peak["procs"], n)
            except Exception:
                pass
            done.wait(poll)

    th = threading.Thread(target=poller, daemon=True)
    th.start()
    timed_out = False

    def killer():
        nonlocal timed_out
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    timer = threading.Timer(timeout, killer) if timeout else None
    if timer:
        timer.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if timer:
        timer.cancel()
    done.set()
    th.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    if log:
        out.close()
    return {"wall_s": wall, "user_s": usage.ru_utime, "sys_s": usage.ru_stime,
            "peak_tree_rss": peak["rss"], "max_single_rss": usage.ru_maxrss * 1024,
            "max_procs": peak["procs"], "rc": proc.returncode, "timed_out": timed_out,
            "started": dt.datetime.now(dt.timezone.utc).timestamp() - wall}


# ============================================================================ data
def _sha(*paths: Path) -> str:
    h = hashlib.sha256()
    for p in paths:
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def profile_raw(profile: str, seed: int = 2024) -> Path:
    """The raw directory of a profile: the committed demo for small, else generated and cached."""
    if profile == "small":
        return REPO / "raw"
    base = OUT / "data" / profile
    raw = base / "raw"
    stamp = {"profile": profile, "seed": seed,
             "generator": _sha(REPO / "pipelines" / "demo" / "generate.py"), "goal_models": _sha(HERE / "goal_models.py")}
    stamp_file = base / "stamp.json"
    if raw.is_dir() and stamp_file.exists() and json.loads(stamp_file.read_text()) == stamp:
        return raw
    print(f"generating the {profile} profile into {raw} (cached for next time) ...", flush=True)
    shutil.rmtree(raw, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([PY, "-m", "pipelines.demo.generate", "--out", str(raw), "--profile", profile, "--seed", str(seed)],
                       cwd=REPO, stdout=subprocess.PIPE, check=True)
    (base / "generate.json").write_bytes(r.stdout)
    sys.path.insert(0, str(HERE))
    from goal_models import write_goal_models

    write_goal_models(raw)
    stamp_file.write_text(json.dumps(stamp))
    return raw


def raw_years(raw: Path) -> list[int]:
    sys.path.insert(0, str(REPO))
    from pipelines.years import discover_years

    return discover_years(raw)


def _link_or_copy(src, dst):
    """A hard link (no copy, and no symbolic link: the ingest refuses a file that is a link
    leading outside the raw directory); a copy where the two are on different file systems."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
    return dst


def raw_without_year(raw: Path, year: int, dest: Path) -> Path:
    """A hard-linked copy of `raw` without `year`: no <source>/<year>/ folder, no Kolada period `year`."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    for source in sorted(p for p in raw.iterdir() if p.is_dir()):
        if source.name == "kolada":
            (dest / "kolada").mkdir()
            for f in source.iterdir():
                if f.suffix == ".json" and f.name != "kpi.json":
                    doc = json.loads(f.read_text(encoding="utf-8-sig"))
                    doc["values"] = [v for v in doc.get("values", []) if int(v.get("period", 0)) != year]
                    doc["count"] = len(doc["values"])
                    (dest / "kolada" / f.name).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
                else:
                    _link_or_copy(f.resolve(), dest / "kolada" / f.name)
            continue
        (dest / source.name).mkdir()
        for y in source.iterdir():
            if y.name != str(year):
                shutil.copytree(y.resolve(), dest / source.name / y.name, copy_function=_link_or_copy)
    return dest


# ============================================================================ the pipeline's own timings
def _ts(s: str) -> float:
    return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).replace(tzinfo=dt.timezone.utc).timestamp() \
        if "+" not in s and "Z" not in s else dt.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()


def dbt_run_results(warehouse: Path, run_id: str) -> dict | None:
    """dbt's run_results.json of the dbt step of Dagster run `run_id` (dagster-dbt names its target
    dir, under the warehouse's <warehouse>/.build/dbt)."""
    f = warehouse / ".build" / "dbt" / "run_results.json"  # the newest run's (one dbt build per run)
    return json.loads(f.read_text()) if f.exists() else None


def stages_from_instance(warehouse: Path, since: float) -> dict:
    """Per-stage seconds of every Dagster run created after `since`, from the instance's event log
    (<warehouse>/.dagster) and dbt's run_results.json.

    ingest  = the ingest_* steps; dbt = the dbt step less its tests; checks = dbt's data tests (their
    share of the dbt step's wall time) + the year_gate step; publish = the publish run; overhead =
    the rest of each Dagster run (run start, planning, resources, events). Also per year and the dbt
    step's anatomy: process start-up before dbt runs a node, dbt's own run, event handling after it.
    """
    storage = warehouse / ".dagster" / "history"
    con = sqlite3.connect(storage / "runs.db")
    runs = con.execute("""select r.run_id, r.pipeline_name, r.start_time, r.end_time,
                                 (select t.value from run_tags t where t.run_id = r.run_id and t.key = 'dagster/partition')
                          from runs r where r.start_time >= ? order by r.start_time""", [since - 1]).fetchall()
    con.close()
    total = {"ingest": 0.0, "dbt": 0.0, "checks": 0.0, "publish": 0.0, "dagster_overhead": 0.0}
    anatomy = {"dbt_startup": 0.0, "dbt_nodes_models": 0.0, "dbt_nodes_tests": 0.0, "dbt_other": 0.0, "dbt_after": 0.0}
    years = []
    for run_id, job, start, end, partition in runs:
        if start is None or end is None:
            continue
        run_wall = end - start
        ev = sqlite3.connect(storage / "runs" / f"{run_id}.db")
        rows = ev.execute("select dagster_event_type, step_key, timestamp from event_logs "
                          "where dagster_event_type in ('STEP_START', 'STEP_SUCCESS', 'STEP_FAILURE', 'STEP_SKIPPED') order by id").fetchall()
        ev.close()
        step_start, steps = {}, {}
        for typ, key, ts in rows:
            t = _ts(ts)
            if typ == "STEP_START":
                step_start[key] = t
            elif key in step_start:
                steps[key] = (step_start[key], t)
        dur = {k: e - s for k, (s, e) in steps.items()}
        total["publish"] += dur.get("published_warehouse", 0.0)
        ingest = sum(v for k, v in dur.items() if k.startswith("ingest_"))
        dbt_step = dur.get("followup_dbt_models", 0.0)
        gate = dur.get("year_gate", 0.0)
        tests = 0.0
        rr = dbt_run_results(warehouse, run_id)
        if rr and "followup_dbt_models" in steps:
            s0, s1 = steps["followup_dbt_models"]
            inv_start = _ts(rr["metadata"]["invocation_started_at"])
            inv_end = _ts(rr["metadata"]["generated_at"])
            exec_by_kind = {}
            for r in rr["results"]:
                kind = r["unique_id"].split(".")[0]
                exec_by_kind[kind] = exec_by_kind.get(kind, 0.0) + (r.get("execution_time") or 0.0)
            node_times = [(_ts(t["started_at"]), _ts(t["completed_at"])) for r in rr["results"] for t in r["timing"] if t.get("started_at")]
            nodes_wall = (max(e for _, e in node_times) - min(s for s, _ in node_times)) if node_times else 0.0
            sum_exec = sum(exec_by_kind.values()) or 1.0
            tests = nodes_wall * exec_by_kind.get("test", 0.0) / sum_exec
            first_node = min(s for s, _ in node_times) if node_times else inv_start
            anatomy["dbt_startup"] += first_node - s0
            anatomy["dbt_nodes_tests"] += tests
            anatomy["dbt_nodes_models"] += nodes_wall - tests
            anatomy["dbt_other"] += max(0.0, inv_end - (first_node + nodes_wall))
            anatomy["dbt_after"] += max(0.0, s1 - inv_end)
        year = int(partition) if partition and partition.isdigit() else None
        total["ingest"] += ingest
        total["dbt"] += dbt_step - tests
        total["checks"] += tests + gate
        total["dagster_overhead"] += max(0.0, run_wall - sum(dur.values()))
        years.append({"year": year, "run_s": run_wall, "ingest_s": ingest, "dbt_s": dbt_step - tests,
                      "tests_s": tests, "gate_s": gate, **{f"{k}_s": v for k, v in dur.items() if k.startswith("ingest_")}})
    return {"stages": total, "dbt_anatomy": anatomy, "years": years}


# ============================================================================ dashboard queries
QUERIES = {
    "goals_not_met_by_area": """
        select g.area, g.level, g.goal_id, g.name, s.status, s.n_indicators, s.n_met, s.n_partly, s.n_not_met, s.n_no_value
        from marts.fct_goal_status s
        join marts.dim_goal g using (kommunkod, year, goal_id)
        where s.kommunkod = $kommun and s.year = $year and s.status in ('ej uppfyllt', 'delvis uppfyllt')
        order by g.area, g.level, g.goal_id""",
    "measure_trend_10y": """
        select year, value, n_answers, ci_low, ci_high, suppressed
        from marts.fct_measure_value
        where measure_id = $measure and kommunkod = $kommun and enhet is null and group_type = 'total'
          and year between $year - 9 and $year
        order by year""",
    "unit_hme_vs_municipality": """
        select f.year, coalesce(u.namn, 'Hela kommunen') as unit, f.value, f.n_answers, f.ci_low, f.ci_high, f.suppressed
        from marts.fct_measure_value f
        left join marts.dim_org_unit u on u.kommunkod = f.kommunkod and u.year = f.year and u.enhet = f.enhet
        where f.measure_id = 'medarbetarenkat.HME' and f.kommunkod = $kommun and f.group_type = 'total'
          and (f.enhet = $unit or f.enhet is null) and f.year between $year - 9 and $year
        order by f.year, f.enhet nulls first""",
    "national_rank_kolada": """
        select rank() over (order by f.value desc) as rank, k.kommun, k.lan, f.value
        from marts.fct_measure_value f
        join marts.dim_kommun k using (kommunkod)
        where f.measure_id = $kpi and f.year = $kolada_year and f.group_type = 'total' and f.enhet is null
          and k.typ = 'kommun' and f.value is not null
        order by rank, k.kommun""",
    "activities_of_goal": """
        select activity_id, name, locked, status
        from marts.fct_activity
        where kommunkod = $kommun and year = $year and goal_id = $goal
        order by activity_id""",
}


def query_parameters(con) -> dict:
    """Realistic parameters for the five queries, picked from the published file."""
    year, kommun = con.execute("""select year, kommunkod from marts.fct_measure_value where measure_id = 'medarbetarenkat.HME'
                                  group by all order by year desc, count(*) desc, kommunkod limit 1""").fetchone()
    unit = con.execute("""select enhet from marts.fct_measure_value where measure_id = 'medarbetarenkat.HME' and kommunkod = ?
                          and year = ? and enhet is not null and not suppressed order by n_answers desc, enhet limit 1""",
                       [kommun, year]).fetchone()
    kolada_year = con.execute("""select max(year) from marts.fct_measure_value where measure_id = 'kolada.U00200'
                                 and value is not null""").fetchone()[0]
    goal = con.execute("""select goal_id from marts.fct_activity where kommunkod = ? and year = ?
                          group by goal_id order by count(*) desc, goal_id limit 1""", [kommun, year]).fetchone()
    return {"kommun": kommun, "year": year, "measure": "medarbetarenkat.HME", "unit": unit[0] if unit else None,
            "kpi": "kolada.U00200", "kolada_year": kolada_year, "goal": goal[0] if goal else None}


def run_queries(published: Path, executions: int = 50) -> dict:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    params = query_parameters(con)
    out = {"parameters": params}
    for name, sql in QUERIES.items():
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        t0 = time.perf_counter()
        rows = con.execute(sql, used).fetchall()  # the first execution, reported apart
        first = time.perf_counter() - t0
        times = []
        for _ in range(executions):
            t0 = time.perf_counter()
            con.execute(sql, used).fetchall()
            times.append(time.perf_counter() - t0)
        times.sort()
        p95 = times[min(len(times) - 1, int(round(0.95 * len(times) + 0.5)) - 1)]
        out[name] = {"rows": len(rows), "first_s": first, "p50_s": statistics.median(times), "p95_s": p95,
                     "max_s": times[-1], "executions": executions}
    con.close()
    return out


# ============================================================================ the benchmark
def _warehouse_env(raw: Path, warehouse: Path) -> dict:
    return {"FOLLOWUP_RAW_DIR": str(raw), "FOLLOWUP_WAREHOUSE_DIR": str(warehouse), "DAGSTER_HOME": str(REPO),
            "FOLLOWUP_DAGSTER_STORAGE": str(warehouse / ".dagster"),
            "FOLLOWUP_DAGSTER_COMPUTE_LOGS": str(warehouse / ".dagster" / "compute_logs")}


FOLLOWUP_EXTRA: list[str] = []  # ["--no-reports"] with --no-reports


def _followup(raw: Path, warehouse: Path, args: list[str], log: Path, timeout: float | None) -> dict:
    since = time.time()
    args = [*args, *FOLLOWUP_EXTRA]
    r = measure([FOLLOWUP, "run", *args], _warehouse_env(raw, warehouse), timeout, log)
    if r["rc"] != 0:
        tail = log.read_text(errors="replace").splitlines()[-5:]
        r["error"] = " | ".join(tail)
        print(f"    followup {' '.join(args)} exited {r['rc']}{' (time limit)' if r['timed_out'] else ''}: {r['error']}", flush=True)
    try:
        r.update(stages_from_instance(warehouse, since))
    except Exception as e:  # a killed run may leave no usable event log
        r["stages_error"] = repr(e)
    # the printable reports the CLI renders after publishing (issue 8): its own line, with seconds
    m = re.search(r"^reports\s+(\d+) printable report\(s\).*\(([0-9.]+) s\)\s*$", log.read_text(errors="replace"), re.M)
    if "stages" in r:
        r["stages"]["reports"] = float(m.group(2)) if m else 0.0
        r["n_reports"] = int(m.group(1)) if m else 0
    return r


def _floor_cmd(raw: Path, years: list[int] | None = None) -> list[str]:
    return [PY, str(HERE / "floor.py"), str(raw)] + [a for y in (years or []) for a in ("--year", str(y))]


def _floor_measure(raw: Path, years: list[int] | None, log: Path, timeout: float | None) -> dict:
    """bench/floor.py as a whole process, and its own split (the JSON line it prints): the conversion
    (learning each file's encoding and header, transcoding the Windows-1252 files DuckDB cannot read
    and the .xlsx files) apart from the rest."""
    r = measure(_floor_cmd(raw, years), log=log, timeout=timeout)
    lines = [l for l in log.read_text(errors="replace").splitlines() if l.startswith("{")]
    if r["rc"] == 0 and lines:
        inner = json.loads(lines[-1])
        r["floor"] = inner
        r["conversion_s"] = inner["conversion_s"]
        r["without_conversion_s"] = r["wall_s"] - inner["conversion_s"]
    return r


def _peer_cmd(raw: Path) -> list[str]:
    code = ("import sys; sys.path.insert(0, sys.argv[1]); from pandas_peer import compute_cells; "
            "print(len(compute_cells(sys.argv[2])), 'cells')")
    return [PY, "-c", code, str(HERE), str(raw)]


def _median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict], key: str, field: str = "wall_s"):
    return _median([r[key][field] for r in runs if key in r and r[key].get("rc", 0) == 0 and field in r[key]])


def benchmark(profile: str, runs: int, smoke: bool = False, skip: set[str] = frozenset(),
              timeout: float | None = None, executions: int = 50, out: Path = OUT, peer_runs: int | None = None,
              reuse_setup: bool = False) -> dict:
    raw = profile_raw(profile)
    years = raw_years(raw)
    last = years[-1]
    work = out / "work" / profile
    prev = work / "wh_prev"
    reusable = reuse_setup and (prev / "followup.duckdb").exists() and (work / "raw_without_new_year").is_dir()
    for child in (work.iterdir() if work.is_dir() else []):
        if not (reusable and child.name in ("wh_prev", "raw_without_new_year")):
            shutil.rmtree(child) if child.is_dir() and not child.is_symlink() else child.unlink()
    logs = work / "logs"
    logs.mkdir(parents=True)
    result = {"profile": profile, "raw": str(raw), "years": years, "new_year": last, "runs": [], "smoke": smoke,
              "machine": machine(), "command": "python bench/run.py " + " ".join(sys.argv[1:]), "no_reports": bool(FOLLOWUP_EXTRA),
              "date": dt.datetime.now().astimezone().isoformat(timespec="seconds"), "load_before": os.getloadavg()}

    # the warehouse that has published every year but the new one (copied fresh for each run)
    if "new_year" in skip or smoke:
        prev = None
    elif reusable:
        print(f"set-up reused: {prev} (every year but {last}, from an earlier run of this benchmark)", flush=True)
        result["setup_prev_build"] = {"reused": str(prev)}
    else:
        prev_raw = raw_without_year(raw, last, work / "raw_without_new_year")
        print(f"setting up: publishing every year but {last} ...", flush=True)
        # built in the folder the new year then runs in (a user's new year runs in the warehouse
        # that holds the earlier years; dbt parses the whole project again when the build
        # database's path differs from the last run's: the profile changed), kept as wh_prev
        r = _followup(prev_raw, work / "wh_year", [], logs / "setup_prev.log", timeout)
        result["setup_prev_build"] = {k: r[k] for k in ("wall_s", "rc")}
        (work / "wh_year").rename(prev)

    for i in range(runs):
        rnd = {}
        print(f"round {i + 1}/{runs}", flush=True)
        if "floor" not in skip:
            rnd["floor"] = _floor_measure(raw, None, logs / f"floor_{i}.log", timeout)
            print(f"  floor           {rnd['floor']['wall_s']:8.1f} s  (conversion {rnd['floor'].get('conversion_s', 0):.1f} s)", flush=True)
        wh = work / f"wh_{i}"
        if "build" not in skip:
            rnd["build"] = _followup(raw, wh, [], logs / f"build_{i}.log", timeout)
            print(f"  full build      {rnd['build']['wall_s']:8.1f} s  peak {rnd['build']['peak_tree_rss'] / GB:.2f} GB", flush=True)
        if "reports" not in skip and "build" not in skip and rnd["build"]["rc"] == 0:
            folder = work / f"reports_{i}"
            rnd["reports"] = rp = measure_reports(wh, folder, last, os.cpu_count() or 1, logs / f"reports_{i}.log", timeout)
            print(f"  reports {last}    {rp['wall_s']:8.1f} s  {rp['reports']} reports, "
                  f"{rp['cpu_per_report_s'] or 0:.2f} s CPU a report", flush=True)
            if i < runs - 1:
                shutil.rmtree(folder, ignore_errors=True)
        if "peer" not in skip and (peer_runs is None or i < peer_runs):
            rnd["peer"] = measure(_peer_cmd(raw), log=logs / f"peer_{i}.log", timeout=timeout)
            print(f"  pandas peer     {rnd['peer']['wall_s']:8.1f} s", flush=True)
        if "rerun" not in skip and "build" not in skip and rnd["build"]["rc"] == 0:
            rnd["rerun"] = _followup(raw, wh, [], logs / f"rerun_{i}.log", timeout)
            print(f"  re-run          {rnd['rerun']['wall_s']:8.1f} s", flush=True)
        if "new_year" not in skip:
            rnd["floor_year"] = _floor_measure(raw, [last], logs / f"floor_year_{i}.log", timeout)
            print(f"  floor {last}      {rnd['floor_year']['wall_s']:8.1f} s  (conversion {rnd['floor_year'].get('conversion_s', 0):.1f} s)", flush=True)
            target = work / "wh_year"  # where the set-up was built (above)
            if smoke:  # smoke: reload the last year onto the full build's warehouse (no N-1 year set-up build)
                shutil.copytree(wh, target, symlinks=True)
            else:
                shutil.copytree(prev, target, symlinks=True)
            rnd["new_year"] = _followup(raw, target, ["--year", str(last), "--force"], logs / f"new_year_{i}.log", timeout)
            print(f"  new year {last}   {rnd['new_year']['wall_s']:8.1f} s", flush=True)
            shutil.rmtree(target, ignore_errors=True)
        if i < runs - 1 and wh.exists():
            shutil.rmtree(wh, ignore_errors=True)
        result["runs"].append(rnd)
        # what is measured so far, after every round: a national run takes hours and may be cut off
        (out / f"results-{profile}.partial.json").write_text(json.dumps(result, indent=1, default=str))

    published = work / f"wh_{runs - 1}" / "followup.duckdb"
    if "queries" not in skip and published.exists():
        result["queries"] = run_queries(published, executions)
    result["published"] = str(published)
    result["load_after"] = os.getloadavg()
    result["summary"] = summary(result)
    path = out / f"results-{profile}.json"
    path.write_text(json.dumps(result, indent=1, default=str))
    return result


def measure_reports(warehouse: Path, target: Path, year: int, jobs: int, log: Path, timeout: float | None = None,
                    engine: str = "typst") -> dict:
    """`followup report --all --year YEAR --jobs JOBS` on `warehouse`'s published file, into a fresh
    reports folder in `target` (the file hard-linked, or linked where it is on another file system,
    beside a copy of the run report reports/latest.json): measure()'s wall time, CPU (user + sys of
    the process tree: the workers are the command's children) and peak memory, the number of reports
    written (PDFs), and the CPU and wall time a report."""
    shutil.rmtree(target, ignore_errors=True)
    (target / "reports").mkdir(parents=True)
    try:
        os.link(warehouse / "followup.duckdb", target / "followup.duckdb")
    except OSError:
        (target / "followup.duckdb").symlink_to(warehouse / "followup.duckdb")
    if (warehouse / "reports" / "latest.json").is_file():
        shutil.copy(warehouse / "reports" / "latest.json", target / "reports" / "latest.json")
    cmd = [FOLLOWUP, "report", "--all", "--year", str(year), "--jobs", str(jobs)]
    if engine != "typst":
        cmd += ["--engine", engine]
    load0 = os.getloadavg()[0]
    r = measure(cmd, {"FOLLOWUP_WAREHOUSE_DIR": str(target)}, timeout, log)
    n = len(list((target / "reports").glob("*/*.pdf")))
    cpu = r["user_s"] + r["sys_s"]
    r.update({"year": year, "jobs": jobs, "reports": n, "cpu_s": cpu, "cpu_per_report_s": cpu / n if n else None,
              "wall_per_report_s": r["wall_s"] / n if n else None, "reports_per_minute": n / r["wall_s"] * 60,
              "loadavg_before": load0, "loadavg_after": os.getloadavg()[0]})
    if r["rc"] != 0:
        r["error"] = " | ".join(log.read_text(errors="replace").splitlines()[-5:])
        print(f"    followup report --all --year {year} exited {r['rc']}{' (time limit)' if r['timed_out'] else ''}: "
              f"{r['error']}", flush=True)
    return r


def _ratio_pairs(runs, a, b, f=lambda r, k: r[k]["wall_s"]):
    vals = [f(r, a) / f(r, b) for r in runs if a in r and b in r and r[a].get("rc") == 0 and r[b].get("rc") == 0 and f(r, b)]
    return _median(vals)


def summary(result: dict) -> dict:
    runs = result["runs"]
    s = {}
    for key in ("build", "rerun", "new_year", "floor", "floor_year", "peer", "reports"):
        ok = [r[key]["wall_s"] for r in runs if key in r and r[key].get("rc", 0) == 0]
        s[key] = {"wall_s": summarise(runs, key), "min_s": min(ok, default=None), "max_s": max(ok, default=None),
                  "cpu_s": summarise(runs, key, "user_s") and summarise(runs, key, "user_s") + (summarise(runs, key, "sys_s") or 0),
                  "peak_tree_rss": summarise(runs, key, "peak_tree_rss"), "max_single_rss": summarise(runs, key, "max_single_rss"),
                  "n": sum(1 for r in runs if key in r), "failed": sum(1 for r in runs if key in r and r[key].get("rc") != 0)}
    for key in ("floor", "floor_year"):  # the floor's conversion of files that are not UTF-8 CSV, and the floor without it
        for field in ("conversion_s", "without_conversion_s"):
            s[key][field] = summarise(runs, key, field)
    for field in ("reports", "cpu_per_report_s", "wall_per_report_s"):  # the measured printable reports of the last year
        s["reports"][field] = summarise(runs, "reports", field)
    measured = [r["reports"] for r in runs if "reports" in r]
    if measured:
        s["reports"].update(year=measured[-1]["year"], jobs=measured[-1]["jobs"])
    for key in ("build", "new_year", "rerun"):
        st = [r[key]["stages"] for r in runs if key in r and "stages" in r[key]]
        if st:
            s[key]["stages"] = {k: _median([x[k] for x in st]) for k in st[0]}
            wall = s[key]["wall_s"] or 0
            s[key]["stages"]["process_and_cli"] = max(0.0, wall - sum(s[key]["stages"].values()))
            an = [r[key]["dbt_anatomy"] for r in runs if key in r and "dbt_anatomy" in r[key]]
            s[key]["dbt_anatomy"] = {k: _median([x[k] for x in an]) for k in an[0]}
            s[key]["n_dagster_runs"] = len(runs[-1][key].get("years", [])) + 1
    # paired ratios (same round)
    s["ratios"] = {
        "build_over_floor": _ratio_pairs(runs, "build", "floor"),
        "build_over_budget": _ratio_pairs(runs, "build", "floor", lambda r, k: r[k]["wall_s"] if k == "build"
                                          else TARGET_BUILD_FACTOR * r[k]["wall_s"] + TARGET_BUILD_FIXED),
        "new_year_over_floor_year": _ratio_pairs(runs, "new_year", "floor_year"),
        "new_year_over_budget": _ratio_pairs(runs, "new_year", "floor_year", lambda r, k: r[k]["wall_s"] if k == "new_year"
                                             else TARGET_YEAR_FACTOR * r[k]["wall_s"] + TARGET_YEAR_FIXED),
        "build_excl_reports_over_budget": _ratio_pairs(
            runs, "build", "floor", lambda r, k: r[k]["wall_s"] - r[k].get("stages", {}).get("reports", 0.0) if k == "build"
            else TARGET_BUILD_FACTOR * r[k]["wall_s"] + TARGET_BUILD_FIXED),
        "build_over_budget_without_conversion": _ratio_pairs(
            runs, "build", "floor", lambda r, k: r[k]["wall_s"] if k == "build"
            else TARGET_BUILD_FACTOR * r[k].get("without_conversion_s", r[k]["wall_s"]) + TARGET_BUILD_FIXED),
        "build_over_peer": _ratio_pairs(runs, "build", "peer"),
        "rerun_over_build": _ratio_pairs(runs, "rerun", "build"),
        "rerun_over_floor": _ratio_pairs(runs, "rerun", "floor"),
    }
    return s


def machine() -> dict:
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), platform.processor())
    mem = next((int(l.split()[1]) * 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    versions = {}
    for mod in ("duckdb", "dagster", "dbt.version", "pandas"):
        try:
            m = __import__(mod, fromlist=["x"])
            versions[mod.split(".")[0]] = getattr(m, "__version__", None) or getattr(m, "__version__", None) or str(m.get_installed_version())
        except Exception:
            pass
    git = {}
    try:  # read-only git commands: which commit was measured, and whether the pipeline had local changes
        git["commit"] = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "pipelines", "dbt_project", "pyproject.toml"],
                               cwd=REPO, capture_output=True, text=True).stdout.strip().splitlines()
        git["pipeline_changes"] = len(dirty)
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(mem / GB, 1), "kernel": platform.release(),
            "python": platform.python_version(), **versions, **git}


# ============================================================================ report
def _s(v, unit="s", digits=1):
    if v is None:
        return "–"
    if unit == "GB":
        return f"{v / GB:.2f} GB"
    if unit == "ms":
        return f"{v * 1000:.1f} ms"
    if unit == "x":
        return f"{v:.2f}x"
    return f"{v:.{digits}f} s"


def _verdict(ok) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def report(result: dict) -> str:
    s = result["summary"]
    r = s["ratios"]
    m = result["machine"]
    b, ny, fl, fy, pe, rr = (s[k] for k in ("build", "new_year", "floor", "floor_year", "peer", "rerun"))
    rp = s.get("reports", {})
    n = max(x["n"] for x in (b, fl, pe))
    lines = [
        f"### Profile `{result['profile']}`",
        "",
        f"- command: `{result['command']}`; date: {result['date']}; {n} run(s) of each, medians; ratios are medians of "
        f"per-round ratios (each round runs floor, build, {'reports, ' if rp.get('n') else ''}peer, re-run, year floor, new year in turn)",
        f"- machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB, Linux {m['kernel']}, Python {m['python']}, "
        f"DuckDB {m.get('duckdb')}, Dagster {m.get('dagster')}, pandas {m.get('pandas')}; commit {m.get('commit')}"
        f"{' + %d uncommitted pipeline file(s)' % m['pipeline_changes'] if m.get('pipeline_changes') else ''}; load average before/after: "
        f"{result['load_before'][0]:.1f} / {result['load_after'][0]:.1f} (shared machine: other jobs ran too)",
        f"- data: {result['raw']} — years {result['years'][0]}-{result['years'][-1]} ({len(result['years'])} years; one Dagster run of the `followup` job per command since issue 12, one run per year before); "
        f"new year = {result['new_year']}" + (" (smoke: reloaded onto the full build's warehouse)" if result.get("smoke") else ""),
        "",
        "| figure | measured (median; min-max) | target | ratio measured side by side | verdict |",
        "|---|---|---|---|---|",
    ]

    def rng(x):
        return f"{_s(x['wall_s'])} ({_s(x['min_s'])}-{_s(x['max_s'])})" if x["wall_s"] is not None else "–"

    budget = (TARGET_BUILD_FACTOR * fl["wall_s"] + TARGET_BUILD_FIXED) if fl["wall_s"] else None
    lines.append(f"| full build, wall | {rng(b)} | ≤ 2 × floor + 30 s = {_s(budget)} | build / floor = {_s(r['build_over_floor'], 'x')}; "
                 f"build / (2 × floor + 30 s) = {_s(r['build_over_budget'], 'x')} "
                 f"(without the printable reports: {_s(r['build_excl_reports_over_budget'], 'x')}; against the floor without "
                 f"its conversion: {_s(r.get('build_over_budget_without_conversion'), 'x')}) | "
                 f"{_verdict(None if r['build_over_budget'] is None else r['build_over_budget'] <= 1)} |")
    ybudget = (TARGET_YEAR_FACTOR * fy["wall_s"] + TARGET_YEAR_FIXED) if fy["wall_s"] else None
    lines.append(f"| one new year ({result['new_year']}), wall | {rng(ny)} | ≤ 1.3 × year floor + 30 s = {_s(ybudget)} | "
                 f"new year / year floor = {_s(r['new_year_over_floor_year'], 'x')}; new year / (1.3 × year floor + 30 s) = "
                 f"{_s(r['new_year_over_budget'], 'x')} | {_verdict(None if r['new_year_over_budget'] is None else r['new_year_over_budget'] <= 1)} |")
    lines.append(f"| full build, peak memory (process tree, summed RSS) | {_s(b['peak_tree_rss'], 'GB')} "
                 f"(largest single process {_s(b['max_single_rss'], 'GB')}) | ≤ 4 GB | peak / 4 GB = "
                 f"{_s(b['peak_tree_rss'] / TARGET_MEMORY if b['peak_tree_rss'] else None, 'x')} | "
                 f"{_verdict(None if b['peak_tree_rss'] is None else b['peak_tree_rss'] <= TARGET_MEMORY)} |")
    lines.append(f"| pipeline vs pandas peer | build {_s(b['wall_s'])}, peer {rng(pe)} | pipeline faster | build / peer = "
                 f"{_s(r['build_over_peer'], 'x')} | {_verdict(None if r['build_over_peer'] is None else r['build_over_peer'] < 1)} |")
    lines.append(f"| re-run, nothing changed | {rng(rr)} | (no target) | re-run / build = {_s(r['rerun_over_build'], 'x')}; "
                 f"re-run / floor = {_s(r['rerun_over_floor'], 'x')} | – |")
    if rp.get("wall_s") is not None:  # issue 16's targets are a national year's: 290 reports
        national = result["profile"] == "national"
        wall_ratio = rp["wall_s"] / TARGET_REPORTS_WALL
        cpu_ratio = rp["cpu_per_report_s"] / TARGET_REPORT_CPU if rp["cpu_per_report_s"] else None
        lines.append(f"| printable reports of one year ({rp['year']}), wall | {rng(rp)} for {rp['reports']:.0f} reports "
                     f"(`followup report --all --jobs {rp['jobs']}`) | {'< 2 min' if national else '(no target: < 2 min is for a national year)'} | "
                     f"wall / 2 min = {_s(wall_ratio, 'x')} | {_verdict(wall_ratio < 1) if national else '–'} |")
        lines.append(f"| CPU a report (user+sys of the process tree / reports) | {_s(rp['cpu_per_report_s'], digits=2)} "
                     f"({_s(rp['cpu_s'])} for {rp['reports']:.0f}) | {'< 0.8 s' if national else '(no target: < 0.8 s is for a national year; start-up weighs on a few reports)'} | "
                     f"CPU a report / 0.8 s = {_s(cpu_ratio, 'x')} | {_verdict(None if cpu_ratio is None or not national else cpu_ratio < 1)} |")
    q = result.get("queries", {})
    for name in QUERIES:
        if name in q:
            x = q[name]
            lines.append(f"| query `{name}` p95 ({x['executions']} runs, {x['rows']} rows) | p95 {_s(x['p95_s'], 'ms')}, p50 "
                         f"{_s(x['p50_s'], 'ms')}, first {_s(x['first_s'], 'ms')} | ≤ 50 ms | p95 / 50 ms = {_s(x['p95_s'] / TARGET_QUERY_P95, 'x')} | "
                         f"{_verdict(x['p95_s'] <= TARGET_QUERY_P95)} |")
    lines += ["", "| reference | wall (median; min-max) | CPU (user+sys) | peak memory (tree) |", "|---|---|---|---|"]
    references = [("floor, all years", fl), (f"floor, {result['new_year']} only", fy), ("pandas peer, all years", pe),
                  ("full build", b), ("re-run", rr), ("new year", ny)]
    if rp.get("wall_s") is not None:
        references.append((f"printable reports, {rp['year']} (`followup report --all`)", rp))
    for label, x in references:
        lines.append(f"| {label} | {rng(x)} | {_s(x['cpu_s'])} | {_s(x['peak_tree_rss'], 'GB')} |")
    for label, x in (("floor, all years", fl), (f"floor, {result['new_year']} only", fy)):
        if x.get("conversion_s") is not None:
            lines.append(f"| {label}: of which the conversion (each file's encoding and header; the Windows-1252 files "
                         f"DuckDB cannot read and the .xlsx files to UTF-8 CSV) | {_s(x['conversion_s'], digits=2)} | | |")
            lines.append(f"| {label}, without the conversion | {_s(x['without_conversion_s'], digits=2)} | | |")
    for key, label in (("build", "full build"), ("new_year", "new year"), ("rerun", "re-run")):
        st = s[key].get("stages")
        if st:
            lines += ["", f"Stages of the {label} (medians, s; from the Dagster event log and dbt's run_results.json):", "",
                      "| ingest | dbt (models, incl. dbt start-up) | checks (dbt tests + gate) | publish | printable reports | Dagster run overhead | process start-up and CLI | wall |",
                      "|---|---|---|---|---|---|---|---|",
                      f"| {st['ingest']:.1f} | {st['dbt']:.1f} | {st['checks']:.1f} | {st['publish']:.1f} | {st.get('reports', 0):.1f} | "
                      f"{st['dagster_overhead']:.1f} | {st['process_and_cli']:.1f} | {s[key]['wall_s']:.1f} |"]
            an = s[key]["dbt_anatomy"]
            lines += ["", f"dbt steps of the {label}, summed over its {s[key]['n_dagster_runs'] - 1} Dagster run(s): Dagster step start to dbt's first node "
                      f"{an['dbt_startup']:.1f} s; models {an['dbt_nodes_models']:.1f} s; tests {an['dbt_nodes_tests']:.1f} s; "
                      f"dbt wrap-up {an['dbt_other']:.1f} s; event handling after dbt exits {an['dbt_after']:.1f} s."]
    if rp.get("wall_s") is not None:
        lines += ["", f"Printable reports (issues 8 and 16): `followup run` renders those of the years it publishes after "
                  f"publishing unless `--no-reports`{', which this benchmark passed' if result.get('no_reports') else ' (every year of the full build: its stage printable reports above)'}; "
                  f"measured apart in every round: `followup report --all --year {rp['year']} --jobs {rp['jobs']}` on the full "
                  f"build's published file, into a fresh reports folder: {rp['reports']:.0f} reports in {_s(rp['wall_s'])} "
                  f"({_s(rp['wall_per_report_s'], digits=2)} a report), {_s(rp['cpu_s'])} of CPU ({_s(rp['cpu_per_report_s'], digits=2)} "
                  f"a report), peak memory {_s(rp['peak_tree_rss'], 'GB')} (medians)."]
    elif (result.get("reports") or {}).get("samples"):  # a results file from before the reports were measured
        sample = result["reports"]
        lines += ["", f"Printable reports: not measured in this results file (it is older: one report, `followup report "
                  f"--kommun K --year {sample['year']}`, took {_s(sample.get('per_report_s'))}, median of {len(sample['samples'])} "
                  f"municipalities)."]
    if q.get("parameters"):
        lines += ["", "Query parameters: " + ", ".join(f"{k} = {v}" for k, v in q["parameters"].items()) + "."]
    return "\n".join(lines) + "\n"


def write_doc(profile: str, text: str) -> None:
    begin, end = f"<!-- bench:{profile}:begin -->", f"<!-- bench:{profile}:end -->"
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n\n## Results\n\n"
    block = f"{begin}\n{text}{end}"
    if begin in doc and end in doc:
        doc = doc[:doc.index(begin)] + block + doc[doc.index(end) + len(end):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--profile", choices=("small", "large", "national"), default="small")
    p.add_argument("--runs", type=int, default=3, help="rounds of every measurement (medians over them); default 3")
    p.add_argument("--skip", default="", help="comma-separated: floor, build, peer, rerun, new_year, queries, reports")
    p.add_argument("--peer-runs", type=int, help="run the pandas peer in the first N rounds only (national: ~50 min each); "
                   "its ratio is then the median over those rounds")
    p.add_argument("--reuse-setup", action="store_true", help="keep the N-1-year warehouse of an earlier run of this "
                   "profile (its set-up build is not a measured figure; national: ~10 min) instead of building it again")
    p.add_argument("--timeout", type=float, help="seconds; any one measured command is killed after this long")
    p.add_argument("--executions", type=int, default=50, help="executions of each dashboard query (default 50)")
    p.add_argument("--smoke", action="store_true", help="fast check that everything runs: the new year is reloaded onto the "
                   "full build's warehouse instead of a separate N-1 year set-up build")
    p.add_argument("--out", type=Path, default=OUT, help="where warehouses, logs and results-<profile>.json go (default bench/out)")
    p.add_argument("--no-reports", action="store_true", help="pass --no-reports to every `followup run` (the printable "
                   "reports are then measured only in the reports step; for national, where a full build renders ~2,900 of them)")
    p.add_argument("--from-json", type=Path, help="do not measure: report (and with --write-doc write) a results-<profile>.json")
    p.add_argument("--write-doc", action="store_true", help="write the results table into docs/performance.md")
    args = p.parse_args(argv)
    skip = {x.strip() for x in args.skip.split(",") if x.strip()}
    if args.no_reports:
        FOLLOWUP_EXTRA.append("--no-reports")
    if args.from_json:
        result = json.loads(args.from_json.read_text())
        result["summary"] = summary(result)
    else:
        result = benchmark(args.profile, args.runs, args.smoke, skip, args.timeout, args.executions, args.out.resolve(), args.peer_runs, args.reuse_setup)
    text = report(result)
    print()
    print(text)
    if args.write_doc:
        write_doc(result["profile"], text)
        print(f"written into {DOC}")
    failed = [k for k, v in result["summary"].items() if isinstance(v, dict) and v.get("failed")]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
