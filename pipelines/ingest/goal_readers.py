"""Goal models read by two processes of our own (issue 16).

A national year's 290 goal models take ~1.5 s of pure Python (parse and checks) under one GIL,
while the machine's other core waits. With at least `PARALLEL_FILES` files in a year,
`read_all` splits them in two and each half is read, parsed and checked (styrmodell._read_many)
by a `WorkerProcess` (pipelines/worker_process.py): `python -m pipelines.ingest.goal_readers`,
started on first use and kept for the process's later years, ended with it or when the run's
ingest is done (`stop`). The findings and tables come back in the files' order. A reader that
cannot start or dies leaves its half to this process: the result is the same, only the time
differs; one that fails hands its half back the same way, so an error is raised here as what it
is. Fewer files are read here directly.
"""
from __future__ import annotations

from ..worker_process import WorkerProcess, serve

PARALLEL_FILES = 64
_readers = [WorkerProcess(__name__, "goal-model reader") for _ in range(2)]


def start(files: int) -> None:
    """Start the readers if a year of `files` goal models will use them (they import on the
    other core while this process reads the catalogues)."""
    if files >= PARALLEL_FILES:
        for reader in _readers:
            reader.start()


def stop() -> None:
    """End the readers (after the run's last goal-model year: their memory is free for dbt)."""
    for reader in _readers:
        reader.stop()


def read_all(items: list[tuple[str, str, str]], year: int, known, trees: dict) -> list:
    """styrmodell._read_many(items, ...), in two processes when the year has many files."""
    from .styrmodell import _read_many

    if len(items) < PARALLEL_FILES:
        return _read_many(items, year, known, trees)
    half = -(-len(items) // len(_readers))
    chunks = [items[i:i + half] for i in range(0, len(items), half)]
    try:  # every reply is read before anything is used: none is left in a pipe for the next year
        sent = [reader.send((chunk, year, known, {kod: trees[kod] for _, _, kod in chunk if kod in trees}))
                for reader, chunk in zip(_readers, chunks)]
        replies = [reader.receive() if ok else None for reader, ok in zip(_readers, sent)]
    except BaseException:  # Ctrl-C while they read: a reply may be half read; start afresh next time
        stop()
        raise
    results = []
    for chunk, reply in zip(chunks, replies):
        if reply is None or reply[0] == "error":
            # no reader, it died, or it failed: this half here (a failure then raises here, as
            # the exception it is, for the ingest to record or the run to stop on)
            results.extend(_read_many(chunk, year, known, trees))
            continue
        results.extend(reply[1])
    return results


def main() -> None:
    from .styrmodell import _read_many

    serve(_read_many)


if __name__ == "__main__":
    main()
