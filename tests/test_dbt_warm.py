"""The warm dbt (pipelines/dbt_warm.py): a dbt command through `followup-dbt-warm` behaves as the
real `dbt` (output, exit code, environment, working folder), with or without the server."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipelines import config
from pipelines.dbt_warm import CLIENT, SOCKET_ENV, warm_dbt

CLIENT_PATH = str(Path(sys.executable).parent / CLIENT)


def client(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([CLIENT_PATH, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})}, cwd=cwd or config.DBT_PROJECT_DIR)


def test_through_the_server_output_exit_code_environment_and_folder(tmp_path):
    with warm_dbt():
        socket = os.environ[SOCKET_ENV]
        assert os.path.exists(socket)
        version = client("--version")
        assert version.returncode == 0 and "installed: 1.11" in version.stdout, version.stdout + version.stderr
        bogus = client("no-such-command")
        assert bogus.returncode == 2 and "No such command" in bogus.stdout + bogus.stderr
        # the child runs in the client's folder with the client's environment: dbt finds the
        # project there and writes its manifest where DBT_TARGET_PATH says
        target = tmp_path / "target"
        parsed = client("parse", "--quiet", env={"DBT_TARGET_PATH": str(target),
                                                 "FOLLOWUP_BUILD_DB": str(tmp_path / "build.duckdb")})
        assert parsed.returncode == 0, parsed.stdout + parsed.stderr
        assert (target / "manifest.json").exists()
        # the exit trailer is not part of the output
        assert "followup-dbt-warm-exit" not in version.stdout + parsed.stdout
    assert SOCKET_ENV not in os.environ and not os.path.exists(socket)


def test_without_a_server_the_client_is_the_real_dbt(tmp_path):
    assert shutil.which("dbt", path=str(Path(sys.executable).parent))
    missing = str(tmp_path / "nobody-listens.sock")
    out = client("--version", env={SOCKET_ENV: missing})
    assert out.returncode == 0 and "installed: 1.11" in out.stdout
    bogus = client("no-such-command", env={SOCKET_ENV: missing})
    assert bogus.returncode == 2


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def test_the_server_ends_with_the_process_that_started_it():
    """A `followup run` killed outright (SIGKILL: no cleanup runs) leaves no warm dbt behind."""
    code = ("import os, time\nfrom pipelines.dbt_warm import warm_dbt\n"
            "with warm_dbt():\n    print(os.getpid(), flush=True)\n    time.sleep(120)\n")
    parent = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=config.PROJECT_ROOT)
    try:
        parent.stdout.readline()
        server = int(Path(f"/proc/{parent.pid}/task/{parent.pid}/children").read_text().split()[0])
        assert _alive(server)
    finally:
        parent.kill()
        parent.wait()
    deadline = time.monotonic() + 10
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server)
