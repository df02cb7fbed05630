"""The process that runs the job (the CLI, or a run worker that loads the code location) tunes
Python's garbage collector and leaves the definitions' imports out of its passes (pipelines/heap.py)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_loading_the_definitions_tunes_the_collector(tmp_path):
    code = "import gc, pipelines.definitions; print(gc.get_threshold(), gc.get_freeze_count())"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "FOLLOWUP_WAREHOUSE_DIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
    threshold, frozen = out.strip().rsplit(" ", 1)
    assert threshold == "(50000, 20, 20)"
    assert int(frozen) > 100_000  # Dagster's, dagster-dbt's and dbt's objects: frozen, not walked again
