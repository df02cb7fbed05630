"""Faults of the machine during `followup run` (issue 13): a full disk under the warehouse or
under the publish only, a read-only warehouse folder, Ctrl-C. Each must end with one line on
stderr naming the cause and exit code 2 (contract section 1: the command could not run), no
traceback, no temporary file left, the published file byte-identical, and the next run working
without clean-up.

The disks are small tmpfs mounts and the read-only folder a read-only bind mount, made by the
test (root in a Linux sandbox); where the machine does not allow mounts, the tests are skipped
and say so.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import FIXTURES, REPO, change_staff_answer, pipeline_env

TEMP_FILES = (".followup.duckdb.tmp", ".followup.duckdb.tmp.wal", "followup.prev.duckdb.tmp")


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


def _can_mount() -> str | None:
    probe = Path(f"/tmp/followup-mount-probe-{os.getpid()}")
    probe.mkdir(exist_ok=True)
    try:
        _mount("-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe))
        subprocess.run(["umount", str(probe)], check=True)
        return None
    except (OSError, subprocess.CalledProcessError) as e:
        return f"this machine does not allow mounts for the test ({e})"
    finally:
        probe.rmdir()


CANNOT_MOUNT = _can_mount()
needs_mounts = pytest.mark.skipif(CANNOT_MOUNT is not None, reason=CANNOT_MOUNT or "")


@contextlib.contextmanager
def mounted(*mounts: tuple):
    """Mount (kind, source, target, options) in order; unmount in reverse."""
    done = []
    try:
        for kind, source, target, options in mounts:
            Path(target).mkdir(parents=True, exist_ok=True)
            if kind == "tmpfs":
                _mount("-t", "tmpfs", "-o", options, "tmpfs", str(target))
            else:
                _mount("--bind", str(source), str(target))
                if options:
                    _mount("-o", f"remount,bind,{options}", str(target))
            done.append(target)
        yield
    finally:
        for target in reversed(done):
            subprocess.run(["umount", "-l", str(target)], capture_output=True)


def sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def cli(raw: Path, wh: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, **pipeline_env(raw, wh)}
    return subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--no-reports", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=timeout)


def changed_raw(tmp: Path) -> Path:
    """A copy of the e2e fixture; `change` then gives a run after the first a year to load."""
    raw = tmp / "raw"
    shutil.copytree(FIXTURES / "e2e_raw", raw)
    return raw


change = change_staff_answer


def one_line_exit_2(out: subprocess.CompletedProcess, *words: str) -> str:
    assert out.returncode == 2, out.stdout[-2000:] + out.stderr[-3000:]
    err = out.stderr.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("followup: error: "), out.stderr[-3000:]
    assert "Traceback" not in out.stdout + out.stderr
    for w in words:
        assert w in err[0], err[0]
    return err[0]


def no_temp_files(wh: Path) -> None:
    assert not [n for n in TEMP_FILES if (wh / n).exists()]


def fill(folder: Path, leave: int) -> Path:
    """Fill the file system of `folder` up to `leave` free bytes."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    filler = folder / "filler.bin"
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave))
    return filler


@needs_mounts
def test_warehouse_disk_full(tmp_path):
    raw, wh = changed_raw(tmp_path), tmp_path / "wh"
    with mounted(("tmpfs", None, wh, "size=64m")):
        assert cli(raw, wh).returncode == 0
        before = sha(wh / "followup.duckdb")
        change(raw)
        filler = fill(wh, 64 * 1024)
        out = cli(raw, wh)
        one_line_exit_2(out, "No space left on device")
        assert sha(wh / "followup.duckdb") == before
        no_temp_files(wh)
        filler.unlink()
        again = cli(raw, wh)
        assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
        assert sha(wh / "followup.duckdb") != before  # the changed answer is published now


@needs_mounts
def test_publish_disk_full(tmp_path):
    """Only the published file's folder is full: the load and the checks pass, the publish fails."""
    raw, wh, build, dag = changed_raw(tmp_path), tmp_path / "wh", tmp_path / "build", tmp_path / "dagster"
    build.mkdir()
    dag.mkdir()
    with mounted(("tmpfs", None, wh, "size=16m"), ("bind", build, wh / ".build", ""), ("bind", dag, wh / ".dagster", "")):
        assert cli(raw, wh).returncode == 0
        before = sha(wh / "followup.duckdb")
        change(raw)
        filler = fill(wh, 256 * 1024)
        out = cli(raw, wh)
        line = one_line_exit_2(out, "published_warehouse", "No space left on device", "unchanged")
        assert "publishing" in line or "published_warehouse" in line
        assert sha(wh / "followup.duckdb") == before
        no_temp_files(wh)
        filler.unlink()
        again = cli(raw, wh)  # nothing to load again, but the file lags the build: it is published
        assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
        assert "plan      unchanged 2022" in again.stdout and "publish   ok" in again.stdout
        assert sha(wh / "followup.duckdb") != before


@needs_mounts
def test_read_only_warehouse(tmp_path):
    raw, wh, real = changed_raw(tmp_path), tmp_path / "wh", tmp_path / "real"
    assert cli(raw, real).returncode == 0
    before = sha(real / "followup.duckdb")
    change(raw)
    with mounted(("bind", real, wh, "ro")):
        out = cli(raw, wh)
        one_line_exit_2(out, "Read-only file system")
    assert sha(real / "followup.duckdb") == before
    no_temp_files(real)
    with mounted(("bind", real, wh, "")):
        again = cli(raw, wh)
        assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]


@pytest.mark.parametrize("moment", ["2022  ingest", "dbt       ok"])
def test_ctrl_c(tmp_path, moment):
    raw, wh = changed_raw(tmp_path), tmp_path / "wh"
    assert cli(raw, wh).returncode == 0
    before = sha(wh / "followup.duckdb")
    change(raw)
    env = {**os.environ, **pipeline_env(raw, wh)}
    proc = subprocess.Popen([sys.executable, "-m", "pipelines.cli", "run", "--no-reports"], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    seen = []
    deadline = time.monotonic() + 240
    for line in proc.stdout:
        seen.append(line)
        if line.startswith(moment) or time.monotonic() > deadline:
            break
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C in a terminal signals the whole process group
    stdout, stderr = proc.communicate(timeout=120)
    out = subprocess.CompletedProcess(proc.args, proc.returncode, "".join(seen) + stdout, stderr)
    if out.returncode == 0:  # the run got past its last step before the signal: nothing to test here
        pytest.fail(f"the run finished before Ctrl-C at {moment!r}")
    one_line_exit_2(out, "interrupted")
    assert sha(wh / "followup.duckdb") == before
    no_temp_files(wh)
    again = cli(raw, wh)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert sha(wh / "followup.duckdb") != before


@needs_mounts
def test_a_failed_publish_is_not_reported_as_published(tmp_path):
    """The warehouse folder read-only but its build, Dagster and reports folders writable: the
    load passes, the publish fails, and the run report says the year's new version is not the
    published one."""
    import json

    raw, real, wh = changed_raw(tmp_path), tmp_path / "real", tmp_path / "wh"
    assert cli(raw, real).returncode == 0
    before = sha(real / "followup.duckdb")
    change(raw)
    inner = [(name, real / name, wh / name) for name in (".build", ".dagster", "reports")]
    with mounted(("bind", real, wh, "ro"), *(("bind", src, dst, "") for _, src, dst in inner)):
        out = cli(raw, wh)
        one_line_exit_2(out, "published_warehouse", "Read-only file system")
    assert sha(real / "followup.duckdb") == before
    doc = json.loads((real / "reports" / "latest.json").read_text())
    assert doc["failure"]["step"] == "published_warehouse" and not doc["passed"]
    (year,) = doc["years"]
    assert year["year"] == 2022 and year["published"] == "kept: the last version that passed"
