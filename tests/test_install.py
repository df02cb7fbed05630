"""A non-editable install runs (issue 13): the wheel carries the dbt project and dagster.yaml,
and `followup run` works from it in a folder that is not a checkout."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .conftest import FIXTURES, REPO, pipeline_env


def test_the_wheel_runs_outside_the_checkout(tmp_path):
    dist, site, work, src = tmp_path / "dist", tmp_path / "site", tmp_path / "work", tmp_path / "src"
    work.mkdir()
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "dagster.yaml"):
        shutil.copy(REPO / name, src / name)
    for name in ("pipelines", "dbt_project"):  # the package's links to dbt_project/ and dagster.yaml stay links
        shutil.copytree(REPO / name, src / name, symlinks=True, ignore=shutil.ignore_patterns("__pycache__", "target", "logs"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(src), "--no-deps", "-q", "-w", str(dist)],
                   check=True, capture_output=True, cwd=tmp_path)
    (wheel,) = dist.glob("followup-*.whl")
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, cwd=tmp_path)
    env = {**os.environ, **pipeline_env(FIXTURES / "e2e_raw", work / "warehouse"), "PYTHONPATH": str(site)}
    env.pop("DAGSTER_HOME")  # the installed package finds its own dagster.yaml
    where = subprocess.run([sys.executable, "-c", "import pipelines.config as c; print(c.PACKAGE_DIR); print(c.DBT_PROJECT_DIR)"],
                           env=env, cwd=work, capture_output=True, text=True, check=True).stdout.split()
    assert all(w.startswith(str(site)) for w in where), where
    out = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", "--no-reports"], env=env, cwd=work,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stdout[-2000:] + out.stderr[-2000:]
    assert (work / "warehouse" / "followup.duckdb").exists()
