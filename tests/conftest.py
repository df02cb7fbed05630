"""Shared test fixtures: run the real pipeline (Dagster + dbt + DuckDB) on a raw directory."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DUCKDB15_VENV = REPO / ".venv-duckdb15"


def pipeline_env(raw_dir: Path, warehouse_dir: Path) -> dict[str, str]:
    """The environment of one pipeline run: raw files, warehouse and its own Dagster storage."""
    return {"FOLLOWUP_RAW_DIR": str(raw_dir), "FOLLOWUP_WAREHOUSE_DIR": str(warehouse_dir), "DAGSTER_HOME": str(REPO),
            "FOLLOWUP_DAGSTER_STORAGE": str(warehouse_dir / ".dagster"),
            "FOLLOWUP_DAGSTER_COMPUTE_LOGS": str(warehouse_dir / ".dagster" / "compute_logs")}


def run_once(raw_dir: Path, warehouse_dir: Path, *argv: str) -> int:
    """Run `followup` in-process with its environment set only for the call (module fixtures)."""
    from _pytest.monkeypatch import MonkeyPatch

    from pipelines.cli import main

    mp = MonkeyPatch()
    for k, v in pipeline_env(raw_dir, warehouse_dir).items():
        mp.setenv(k, v)
    try:
        return main(list(argv) or ["run"])
    finally:
        mp.undo()


def e2e_two_years(raw: Path) -> Path:
    """tests/fixtures/e2e_raw copied to `raw`, its 2022 folders also as 2021: two years to publish."""
    shutil.copytree(FIXTURES / "e2e_raw", raw)
    for source in ("medarbetarenkat", "organisation", "styrmodell", "medborgarundersokning"):
        shutil.copytree(raw / source / "2022", raw / source / "2021")
    return raw


STAFF_ANSWER = ("\n4;A;M;5;3;3;3;3;3;3;3;3;", "\n4;A;M;5;5;5;5;5;5;5;5;5;")


def change_staff_answer(raw: Path) -> None:
    """Respondent 4 of unit A answers 5 instead of 3 on h2..h9 (e2e fixture, 2022): a re-run
    publishes other figures (the municipality's sum over 14 answers grows by 2)."""
    p = raw / "medarbetarenkat" / "2022" / "0483.csv"
    text = p.read_text(encoding="utf-8")
    assert STAFF_ANSWER[0] in text, "fixture changed"
    p.write_text(text.replace(*STAFF_ANSWER), encoding="utf-8")


@pytest.fixture
def followup(monkeypatch, tmp_path):
    """Return run(raw_dir, *args) -> exit code, running `followup` in-process on a fresh warehouse."""
    from pipelines.cli import main

    warehouse = tmp_path / "warehouse"

    def run(raw_dir: Path, *args: str, warehouse_dir: Path = warehouse) -> int:
        for k, v in pipeline_env(raw_dir, warehouse_dir).items():
            monkeypatch.setenv(k, v)
        return main(list(args) or ["run"])

    run.warehouse = warehouse
    return run


@pytest.fixture
def raw_copy(tmp_path):
    """Copy a fixture raw directory into tmp_path so a test may break it."""

    def copy(name: str) -> Path:
        dest = tmp_path / "raw"
        shutil.copytree(FIXTURES / name, dest)
        return dest

    return copy


@pytest.fixture(scope="session")
def duckdb15_python() -> Path:
    """A side environment with DuckDB 1.5.5, the engine inside Metabase's DuckDB driver."""
    python = DUCKDB15_VENV / "bin" / "python"
    probe = [str(python), "-c", "import duckdb, sys; sys.exit(duckdb.__version__ != '1.5.5')"]
    if not python.exists() or subprocess.run(probe).returncode != 0:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(DUCKDB15_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "duckdb==1.5.5"], check=True)
    return python


@pytest.fixture(scope="session")
def demo_published(tmp_path_factory) -> Path:
    """The demo (raw/, four years) loaded and published once per session (no printable reports):
    the published file the views and the ready queries of docs/queries are tried on."""
    wh = tmp_path_factory.mktemp("demo") / "warehouse"
    assert run_once(REPO / "raw", wh, "run", "--no-reports") == 0
    return wh / "followup.duckdb"
