"""Publishing under stress (contract section 4): a run killed at any moment leaves the last
published file byte-identical and usable, the next run recovers by itself, a reader holding
the file open is never blocked and never sees a mixture, and re-running the same input
changes nothing in the published data."""
from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from .conftest import FIXTURES, REPO, change_staff_answer

DATA_TABLES = ("dim_kommun", "dim_measure", "dim_org_unit", "fct_measure_value", "dim_goal",
               "fct_goal_outcome", "fct_goal_status", "fct_activity")


def env_for(raw: Path, wh: Path) -> dict:
    return {**os.environ, "FOLLOWUP_RAW_DIR": str(raw), "FOLLOWUP_WAREHOUSE_DIR": str(wh), "DAGSTER_HOME": str(REPO),
            "FOLLOWUP_DAGSTER_STORAGE": str(wh / ".dagster"), "FOLLOWUP_DAGSTER_COMPUTE_LOGS": str(wh / ".dagster" / "logs")}


def run_cli(raw: Path, wh: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--no-reports", *args], env=env_for(raw, wh),
                          capture_output=True, text=True, cwd=REPO, timeout=600)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_digest(path: Path) -> str:
    con = duckdb.connect(str(path), read_only=True)
    try:
        h = hashlib.sha256()
        for t in DATA_TABLES:
            h.update(repr(con.execute(f"select * from marts.{t} order by all").fetchall()).encode())
        return h.hexdigest()
    finally:
        con.close()


def hme_total(path: Path) -> float:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute("""select value from marts.fct_measure_value where measure_id = 'medarbetarenkat.HME'
                              and kommunkod = '0483' and year = 2022 and enhet is null and group_type = 'total'""").fetchall()[0][0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    base = tmp_path_factory.mktemp("safety")
    raw, wh = base / "raw", base / "warehouse"
    shutil.copytree(FIXTURES / "e2e_raw", raw)
    out = run_cli(raw, wh)
    assert out.returncode == 0, out.stdout + out.stderr
    return raw, wh


@pytest.fixture
def changed_copy(published, tmp_path):
    """A copy of the published warehouse, and raw files whose re-run would publish other figures."""
    raw0, wh0 = published
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(raw0, raw)
    shutil.copytree(wh0, wh)
    change_staff_answer(raw)
    return raw, wh


def start(raw, wh):
    return subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--no-reports"], env=env_for(raw, wh), cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


@pytest.mark.parametrize("moment", ["during_load", "during_publish"])
def test_killed_run_leaves_published_file_intact_and_next_run_recovers(changed_copy, moment):
    raw, wh = changed_copy
    target = wh / "followup.duckdb"
    before, hme_before = sha(target), hme_total(target)
    proc = start(raw, wh)
    try:
        if moment == "during_load":
            deadline = time.monotonic() + 120
            build = wh / ".build" / "build.duckdb"
            mtime = build.stat().st_mtime_ns
            while build.stat().st_mtime_ns == mtime and time.monotonic() < deadline:  # the load has begun writing
                time.sleep(0.02)
        else:
            tmp = wh / ".followup.duckdb.tmp"
            deadline = time.monotonic() + 120
            while not tmp.exists() and time.monotonic() < deadline:  # the new file is being written
                time.sleep(0.005)
            assert tmp.exists(), "the publish never started"
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    assert sha(target) == before                      # byte-identical
    assert hme_total(target) == hme_before            # and usable
    out = run_cli(raw, wh)                            # the next run recovers by itself
    assert out.returncode == 0, out.stdout + out.stderr
    assert not (wh / ".followup.duckdb.tmp").exists()
    assert hme_total(target) != hme_before            # the changed answer is now published
    # respondent 4 moved from 3 to 5 on h2..h9: the sum over 14 answers grows by 2
    assert hme_total(target) == pytest.approx((100 + 8 * ((57 / 14 - 1) * 25)) / 9)


READER = """
import duckdb, sys, time, pathlib
con = duckdb.connect(sys.argv[1], read_only=True)
q = "select count(*), sum(value) from marts.fct_measure_value where year = 2022"
print(con.execute(q).fetchall(), flush=True)
flag = pathlib.Path(sys.argv[2])
while not flag.exists():
    time.sleep(0.05)
print(con.execute(q).fetchall(), flush=True)
"""


def test_reader_holding_the_file_is_not_blocked_and_sees_no_mixture(changed_copy, tmp_path):
    """A dashboard process holds the published file open while a publish replaces it."""
    raw, wh = changed_copy
    target = wh / "followup.duckdb"
    flag = tmp_path / "go"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(target), str(flag)], stdout=subprocess.PIPE, text=True)
    try:
        old = reader.stdout.readline().strip()
        t0 = time.monotonic()
        out = run_cli(raw, wh, "--year", "2022")        # not blocked by the open reader
        assert out.returncode == 0, out.stdout + out.stderr
        assert time.monotonic() - t0 < 300
        flag.touch()
        assert reader.stdout.readline().strip() == old  # the open connection keeps its consistent old file
    finally:
        flag.touch()  # a failed assertion above must not leave the reader waiting for ever
        try:
            reader.wait(timeout=60)
        finally:
            if reader.poll() is None:
                reader.kill()
    fresh = subprocess.run([sys.executable, "-c", READER, str(target), str(flag)], capture_output=True, text=True)
    new = fresh.stdout.splitlines()[0]
    assert new != old                                    # the next connection sees the new data


def test_rerun_with_same_input_changes_no_published_data(published, tmp_path):
    raw0, wh0 = published
    wh = tmp_path / "warehouse"
    shutil.copytree(wh0, wh)
    before = data_digest(wh / "followup.duckdb")
    out = run_cli(raw0, wh)
    assert out.returncode == 0, out.stdout + out.stderr
    assert data_digest(wh / "followup.duckdb") == before


def test_rollback_restores_previous_version(changed_copy):
    raw, wh = changed_copy
    target = wh / "followup.duckdb"
    first = hme_total(target)
    assert run_cli(raw, wh).returncode == 0
    second = hme_total(target)
    assert second != first
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "rollback"], env=env_for(raw, wh), cwd=REPO,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert hme_total(target) == first
