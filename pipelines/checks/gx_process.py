"""Great Expectations in a process of its own, started early in a run (issue 12).

Importing Great Expectations and making its context takes ~2.5 s of CPU, a seventh of the demo's
load, and nothing else of the run needs GX. A thread cannot hide it (the import holds the GIL
while the ingest, also Python, wants it), a second process can: `start()` launches
`python -m pipelines.checks.gx_process` when the run begins (the CLI before it imports Dagster,
the job's first step in any other run), and it imports GX on the machine's other core while the
run imports Dagster and dbt and lands the first files. The suites' frames (profiles of about a
thousand rows, see raw_quality.py) then go to it through a pipe, and their results come back as
plain dicts; what they mean stays in raw_quality.py.

The process is a `WorkerProcess` (pipelines/worker_process.py): it ends with its parent, one
that has died is started again by the next suite, and if none can start, or it dies while it
validates, the suite runs in the calling process instead, with a warning in the log: the
findings are the same, only the time differs.
"""
from __future__ import annotations

from ..worker_process import WorkerProcess, serve

_worker = WorkerProcess(__name__, "Great Expectations")
start = _worker.start  # once per process; a no-op when it runs
stop = _worker.stop  # tests; a run's process ends it by ending


def validate(name: str, frame) -> list[dict] | None:
    """Validate `frame` with suite `name` in the GX process (started now if need be); None when
    that process is not available, and the caller validates in its own process."""
    reply = _worker.call((name, frame))
    if reply is None:
        return None
    status, payload = reply
    if status == "error":
        raise RuntimeError(payload)
    return payload


def main() -> None:
    from .. import heap

    heap.tune()  # GX's import makes ~a million objects: young collections would walk them again
    from .raw_quality import check_frame, warm

    def prepare() -> None:
        warm()
        heap.worker()

    serve(check_frame, prepare=prepare)


if __name__ == "__main__":
    main()
