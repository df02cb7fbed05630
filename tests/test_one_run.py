"""One run for every way of running (issue 12), through Dagster's own machinery.

The schedule's and the sensor's run requests are launched the way the UI and the daemon launch
them: `dagster job launch` puts the run in the instance's queue (dagster.yaml's
QueuedRunCoordinator), a real `dagster-daemon` takes it off the queue within the concurrency
limit and the default run launcher starts a run worker, which runs the job with its own executor.
What they leave (marts, run report, printable reports) is compared with `followup run`'s.

Fixture tests/fixtures/goals_raw: Katrineholm 2021 and 2022, Kolada U00200 0483 2021 78.9 and
2022 80.0 (see test_goal_outcomes.py).
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import duckdb
import pytest

from .conftest import FIXTURES, REPO, pipeline_env, run_once

GOALS = FIXTURES / "goals_raw"
BIN = Path(sys.executable).parent
MARTS = ("dim_goal", "dim_kommun", "dim_measure", "dim_org_unit", "fct_activity", "fct_goal_outcome",
         "fct_goal_status", "fct_measure_value")


def marts(wh: Path) -> dict[str, list]:
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        return {t: con.execute(f"select * from marts.{t} order by all").fetchall() for t in MARTS}
    finally:
        con.close()


def report_essence(wh: Path) -> list:
    """latest.json without what differs between two runs by nature (times, run ids, paths)."""
    doc = json.loads((wh / "reports" / "latest.json").read_text())
    return [(y["year"], y["passed"], y["action"], y["published"],
             sorted((i["source"], i["file"], i["row"], i["column"], i["rule"], i["message"], i["severity"]) for i in y["issues"]))
            for y in doc["years"]]


def printed(wh: Path) -> dict[str, str]:
    """The printable reports: every file, and the HTML text without its generation time."""
    out = {}
    for p in sorted((wh / "reports").rglob("*")):
        if p.suffix in (".html", ".pdf"):
            rel = str(p.relative_to(wh / "reports"))
            text = p.read_text(errors="replace") if p.suffix == ".html" else "pdf"
            text = re.sub(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d)?\S*", "<time>", text)
            out[rel] = re.sub(r"\d{1,2}\s\w+\s\d{4}\skl\.\s\d\d\.\d\d", "<time>", text)  # 30 november 2026 kl. 09.40
    return out


@pytest.fixture(scope="module")
def cli_wh(tmp_path_factory):
    wh = tmp_path_factory.mktemp("cli") / "warehouse"
    assert run_once(GOALS, wh, "run") == 0
    return wh


class Queue:
    """A Dagster instance of its own (dagster.yaml of the project) with a running daemon."""

    def __init__(self, raw: Path, wh: Path):
        self.raw, self.wh = raw, wh
        self.env = {**os.environ, **pipeline_env(raw, wh), "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
        self.daemon = subprocess.Popen([str(BIN / "dagster-daemon"), "run", "-w", str(REPO / "workspace.yaml")],
                                       cwd=REPO, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       start_new_session=True)

    def instance(self):
        import dagster as dg
        from dagster._core.instance.ref import InstanceRef

        old = {k: os.environ.get(k) for k in self.env if k.startswith(("FOLLOWUP_", "DAGSTER_"))}
        os.environ.update({k: v for k, v in self.env.items() if k.startswith(("FOLLOWUP_", "DAGSTER_"))})
        try:
            return dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(REPO)))
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v

    def launch(self, tags: dict, run_config: dict) -> str:
        run_id = __import__("uuid").uuid4().hex
        run_id = f"{run_id[:8]}-{run_id[8:12]}-{run_id[12:16]}-{run_id[16:20]}-{run_id[20:]}"
        subprocess.run([str(BIN / "dagster"), "job", "launch", "-w", str(REPO / "workspace.yaml"), "-j", "followup",
                        "--run-id", run_id, "--tags", json.dumps(tags), "--config-json", json.dumps(run_config)],
                       cwd=REPO, env=self.env, check=True, capture_output=True)
        return run_id

    def wait(self, run_ids: list[str], timeout: float = 420):
        from dagster import DagsterRunStatus

        done = {DagsterRunStatus.SUCCESS, DagsterRunStatus.FAILURE, DagsterRunStatus.CANCELED}
        instance = self.instance()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = [instance.get_run_by_id(r) for r in run_ids]
            if all(r is not None and r.status in done for r in runs):
                return runs, instance
            time.sleep(1)
        raise AssertionError(f"runs did not finish: {[(r.run_id, r.status) for r in runs if r]}")

    def stop(self):
        os.killpg(self.daemon.pid, signal.SIGTERM)
        self.daemon.wait(timeout=60)


@pytest.fixture(scope="module")
def queue(tmp_path_factory):
    base = tmp_path_factory.mktemp("queued")
    raw = base / "raw"
    shutil.copytree(GOALS, raw)
    q = Queue(raw, base / "warehouse")
    yield q
    q.stop()


def _with_env(env: dict):
    from _pytest.monkeypatch import MonkeyPatch

    mp = MonkeyPatch()
    for k, v in env.items():
        if k.startswith(("FOLLOWUP_", "DAGSTER_")):
            mp.setenv(k, v)
    return mp


def test_the_schedule_asks_for_one_run_and_it_leaves_what_followup_run_leaves(queue, cli_wh):
    import dagster as dg

    from pipelines.definitions import defs

    mp = _with_env(queue.env)
    try:
        instance = queue.instance()
        ctx = dg.build_schedule_context(instance=instance, scheduled_execution_time=dt.datetime(2026, 12, 1, 5, tzinfo=dt.timezone.utc))
        data = defs.get_schedule_def("nightly_load_schedule").evaluate_tick(ctx)
    finally:
        mp.undo()
    (request,) = data.run_requests
    assert request.run_key and request.run_key.startswith("nightly-")
    run_id = queue.launch({**request.tags, "dagster/schedule_name": "nightly_load_schedule"}, request.run_config or {})
    (run,), instance = queue.wait([run_id])
    assert run.status == dg.DagsterRunStatus.SUCCESS
    assert run.tags.get("followup/writer") == "warehouse"  # the tag the queue's concurrency limit counts
    # the run went through the queue (the configured run coordinator), not straight to a worker
    types = {e.dagster_event.event_type for e in instance.all_logs(run_id) if e.dagster_event}
    assert {dg.DagsterEventType.RUN_ENQUEUED, dg.DagsterEventType.RUN_STARTING} <= types, types
    assert marts(queue.wh) == marts(cli_wh)
    assert report_essence(queue.wh) == report_essence(cli_wh)
    assert printed(queue.wh) == printed(cli_wh) and len(printed(cli_wh)) >= 2


def test_two_runs_at_once_wait_in_the_queue_one_after_the_other(queue):
    import dagster as dg

    first = queue.launch({}, {"ops": {"load_plan": {"config": {"force": True}}}})
    second = queue.launch({}, {})
    runs, instance = queue.wait([first, second])
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS] * 2
    a, b = (instance.get_run_stats(r.run_id) for r in runs)
    assert a.end_time <= b.start_time  # never two writers at once; the queue keeps their order
    # the second run found nothing changed: the job itself loads nothing and publishes nothing
    doc = json.loads((queue.wh / "reports" / "latest.json").read_text())
    assert doc["run_id"] == second and doc["dagster_run"] is True
    assert doc["years"] and {y["action"] for y in doc["years"]} == {"unchanged"}


def test_the_sensor_asks_for_the_changed_years_only(queue):
    import dagster as dg

    from pipelines.definitions import defs

    sensor = defs.get_sensor_def("raw_files_sensor")
    mp = _with_env(queue.env)
    try:
        instance = queue.instance()
        first = sensor.evaluate_tick(dg.build_sensor_context(instance=instance))
        assert len(first.run_requests) == 1  # the first look: every year is new to the sensor
        staff = queue.raw / "medarbetarenkat" / "2022" / "0483.csv"
        staff.write_text(staff.read_text().replace("1;U1;K;5", "1;U1;K;4", 1))
        second = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=first.cursor))
        unchanged = sensor.evaluate_tick(dg.build_sensor_context(instance=instance, cursor=second.cursor))
    finally:
        mp.undo()
    (request,) = second.run_requests
    assert request.run_key and request.run_config["ops"]["load_plan"]["config"]["years"] == [2022]
    assert not unchanged.run_requests
    run_id = queue.launch({**request.tags, "dagster/sensor_name": "raw_files_sensor"}, request.run_config)
    (run,), _ = queue.wait([run_id])
    assert run.status == dg.DagsterRunStatus.SUCCESS
    doc = json.loads((queue.wh / "reports" / "latest.json").read_text())
    assert [(y["year"], y["action"], y["passed"]) for y in doc["years"]] == [(2022, "loaded", True)]


def test_a_run_with_nothing_changed_loads_nothing(cli_wh, capsys):
    """`followup run` with nothing changed: the plan (the job's own) says so, and the command
    writes the run report without starting a Dagster run."""
    before = (cli_wh / "followup.duckdb").read_bytes()
    dbt_log = (cli_wh / ".build" / "dbt" / "dbt.log").read_text()
    runs_before = sorted((cli_wh / ".dagster" / "history" / "runs").glob("*.db"))
    assert run_once(GOALS, cli_wh, "run") == 0
    out = capsys.readouterr().out
    assert "plan      unchanged 2021, 2022" in out and "no Dagster run started" in out and "publish   unchanged" in out
    assert (cli_wh / "followup.duckdb").read_bytes() == before  # nothing published again
    assert (cli_wh / ".build" / "dbt" / "dbt.log").read_text() == dbt_log  # dbt not started
    assert sorted((cli_wh / ".dagster" / "history" / "runs").glob("*.db")) == runs_before  # no Dagster run
    doc = json.loads((cli_wh / "reports" / "latest.json").read_text())
    assert doc["dagster_run"] is False and doc["passed"] is True
    assert [(y["year"], y["action"], y["passed"], y["published"]) for y in doc["years"]] == [
        (2021, "unchanged", True, "published"), (2022, "unchanged", True, "published")]
    assert "no Dagster run was started" in (cli_wh / "reports" / "latest.md").read_text()


def test_a_run_with_a_stale_published_file_is_not_nothing_to_do(cli_wh, capsys):
    """A published file that lacks a passed year's newest version (e.g. an earlier run was killed
    before its publish) makes a real run, which publishes it."""
    import shutil as sh

    sh.copy(cli_wh / "followup.duckdb", cli_wh / "keep.duckdb")
    try:
        con = duckdb.connect(str(cli_wh / "followup.duckdb"))
        con.execute("delete from marts.publish_year where year = 2022").fetchall()
        con.close()
        assert run_once(GOALS, cli_wh, "run", "--no-reports") == 0
        out = capsys.readouterr().out
        assert "no Dagster run started" not in out and "publish   ok" in out
    finally:
        sh.move(cli_wh / "keep.duckdb", cli_wh / "followup.duckdb")


def test_reloading_an_earlier_year_updates_the_later_years_trend(tmp_path, capsys):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(GOALS, raw)
    assert run_once(raw, wh, "run", "--no-reports") == 0

    def kf_2022():
        con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
        try:
            return con.execute("""select prev_value, change, trend from marts.fct_goal_outcome
                                  where year = 2022 and indicator_id = 'I1' and kommunkod = '0483'""").fetchall()
        finally:
            con.close()

    (prev, change, trend), = kf_2022()
    assert prev == pytest.approx(78.9) and change == pytest.approx(80.0 - 78.9) and trend == "förbättrad"
    kolada = raw / "kolada" / "kolada.json"
    kolada.write_text(kolada.read_text().replace('"period": 2021, "values": [{"gender": "T", "count": 1, "status": "", "value": 78.9}',
                                                 '"period": 2021, "values": [{"gender": "T", "count": 1, "status": "", "value": 82.5}'))
    capsys.readouterr()
    assert run_once(raw, wh, "run", "--year", "2021", "--no-reports") == 0
    out = capsys.readouterr().out
    assert "load 2021" in out and "rebuild (dbt only) 2022" in out
    (prev, change, trend), = kf_2022()
    # 2022 was not in the run's years, but its trend reads 2021: I1 (higher is better, tolerance
    # 1.0): 80.0 - 82.5 = -2.5, worse by more than 1.0 (before: +1.1, better)
    assert prev == pytest.approx(82.5) and change == pytest.approx(80.0 - 82.5) and trend == "försämrad"
    doc = json.loads((wh / "reports" / "latest.json").read_text())
    assert [(y["year"], y["action"], y["published"]) for y in doc["years"]] == [
        (2021, "loaded", "published"), (2022, "rebuilt (dbt only)", "published")]


def test_a_second_followup_run_on_the_same_warehouse_exits_2_naming_the_holder_or_waits(tmp_path, capsys):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(FIXTURES / "e2e_raw", raw)
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from pipelines.lock import writer_lock\n"
        f"with writer_lock(Path({str(wh)!r}), run_id='run-of-someone-else'):\n"
        "    print('held', flush=True); time.sleep(120)")], cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert run_once(raw, wh, "run", "--no-reports") == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and "run-of-someone-else" in err[0] and f"pid {holder.pid}" in err[0]
        assert not (wh / "followup.duckdb").exists()
        threading.Timer(3, holder.terminate).start()
        assert run_once(raw, wh, "run", "--no-reports", "--wait") == 0
    finally:
        holder.kill()
        holder.wait()
    assert (wh / "followup.duckdb").exists()


def test_make_dev_shows_the_followup_location_and_stops_cleanly(tmp_path):
    port = 39000 + os.getpid() % 500
    env = {**os.environ, "FOLLOWUP_RAW_DIR": str(GOALS), "FOLLOWUP_WAREHOUSE_DIR": str(tmp_path / "warehouse")}
    env.pop("DAGSTER_HOME", None)
    log = tmp_path / "dev.log"
    with open(log, "w") as out:
        dev = subprocess.Popen(["make", "-s", "dev", f"DEV_PORT={port}"], cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                               start_new_session=True)
    try:
        query = json.dumps({"query": "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }"}).encode()
        deadline, entries = time.monotonic() + 180, None
        while time.monotonic() < deadline:
            try:
                req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=query, headers={"content-type": "application/json"})
                entries = json.load(urllib.request.urlopen(req, timeout=5))["data"]["workspaceOrError"]["locationEntries"]
                if entries and entries[0]["loadStatus"] == "LOADED":
                    break
            except OSError:
                pass
            time.sleep(1)
        assert entries == [{"name": "followup", "loadStatus": "LOADED"}]
    finally:
        os.killpg(dev.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole process group
        try:
            dev.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(dev.pid, signal.SIGKILL)
            raise
    # a process that has exited but is not reaped yet shows as <defunct> (its parent gone, the
    # machine's init reaps it, later when the machine is busy): exited, so not left behind
    deadline = time.monotonic() + 20
    while True:
        ps = subprocess.run(["ps", "-o", "pid=,args=", "-s", str(dev.pid)], capture_output=True, text=True).stdout
        left = "\n".join(line for line in ps.splitlines() if line.strip() and "<defunct>" not in line)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert left == "", f"processes left behind by make dev:\n{left}"
    text = log.read_text()
    assert "supersed" not in text.lower() and "Traceback" not in text, text[-3000:]


def test_followup_publish_rebuilds_the_loaded_years_without_reading_raw_files(cli_wh, tmp_path, capsys):
    """The analyst's quick path after a change to SQL only: dbt, gate and publish for every loaded
    year, from the landed data; raw files are not read (here: the raw directory is gone)."""
    raw = tmp_path / "raw"
    shutil.copytree(GOALS, raw)
    for p in raw.rglob("*.csv"):
        p.write_text("broken;file\n")  # any read of a raw file would fail its year
    capsys.readouterr()
    assert run_once(raw, cli_wh, "publish", "--no-reports") == 0
    out = capsys.readouterr().out
    assert "plan      rebuild (dbt only) 2021, 2022" in out and "ingest" not in out and "dbt       ok" in out
    assert "2021  gate     passed" in out and "2022  gate     passed" in out
    doc = json.loads((cli_wh / "reports" / "latest.json").read_text())
    assert [(y["year"], y["action"], y["passed"], y["published"]) for y in doc["years"]] == [
        (2021, "rebuilt (dbt only)", True, "published"), (2022, "rebuilt (dbt only)", True, "published")]
    con = duckdb.connect(str(cli_wh / ".build" / "build.duckdb"), read_only=True)
    try:
        assert con.execute("select count(*) from audit.landed where run_id = ?", [doc["run_id"]]).fetchall() == [(0,)]
    finally:
        con.close()
