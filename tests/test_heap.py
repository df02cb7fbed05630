"""The process that runs the job (the CLI, or a run worker that loads the code location) tunes
Python's garbage collector and leaves the definitions' imports out of its passes (pipelines/heap.py)."""
import io
import os
import pickle
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


WORKER = """
import gc, weakref
from pipelines import heap
from pipelines.worker_process import serve

class Node:
    pass

seen = []

def handle(step):
    if step == 1:  # a cycle that becomes garbage once the request is done
        a, b = Node(), Node()
        a.other, b.other = b, a
        seen.append(weakref.ref(a))
        return (gc.isenabled(), None)
    return (gc.isenabled(), seen[0]() is None)

heap.worker()
serve(handle)
"""


def test_a_worker_process_collects_once_after_each_request_not_during_it():
    """heap.worker() in a worker (the goal-model readers, the GX process): no automatic collection
    while a request builds its result, one collection after the reply (worker_process.serve)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    requests = pickle.dumps((1,), protocol=pickle.HIGHEST_PROTOCOL) + pickle.dumps((2,), protocol=pickle.HIGHEST_PROTOCOL)
    out = subprocess.run([sys.executable, "-c", WORKER], input=requests, env=env, capture_output=True, check=True, timeout=60).stdout
    first, second = _replies(out)
    assert first == ("ok", (False, None))  # collector off while serving
    assert second == ("ok", (False, True))  # the first request's cycle was collected after its reply


def _replies(data: bytes) -> list:
    stream = io.BytesIO(data)
    out = []
    while stream.tell() < len(data):
        out.append(pickle.load(stream))
    return out
