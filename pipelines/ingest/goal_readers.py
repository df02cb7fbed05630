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

`prefetch` reads several years ahead on a thread of this process that feeds the readers: the
organisation step starts it for the run's years once their unit trees have landed, so the goal
models are read while the survey answers land (DuckDB leaves part of the second core idle there),
and the goal-model step `take`s each year's result instead of waiting for it. A result is taken
only for exactly the inputs it was read from (the files, by name, size, modification time and
inode, the known measures and the unit trees); otherwise the year is read again, as without it.
"""
from __future__ import annotations

import logging
import os
import threading

from ..worker_process import WorkerProcess, serve

log = logging.getLogger(__name__)

PARALLEL_FILES = 64
_readers = [WorkerProcess(__name__, "goal-model reader") for _ in range(2)]


def start(files: int) -> None:
    """Start the readers if a year of `files` goal models will use them (they import on the
    other core while this process reads the catalogues)."""
    if files >= PARALLEL_FILES:
        for reader in _readers:
            reader.start()


def stop() -> None:
    """End the readers (after the run's last goal-model year: their memory is free for dbt); a
    prefetch still reading is told to stop and waited for first, and what it read is dropped."""
    _discard()
    for reader in _readers:
        reader.stop()


def _stamp(items: list[tuple[str, str, str]]) -> tuple:
    """What a goal model's result depends on in its file: name, size, modification time, inode."""
    out = []
    for path, _, _ in items:
        try:
            st = os.stat(path)
            out.append((path, st.st_size, st.st_mtime_ns, st.st_ino))
        except OSError:
            out.append((path, None))
    return tuple(out)


class _Prefetch:
    """Years read ahead, in order, on one thread (the readers serve one request at a time)."""

    def __init__(self, requests: list[tuple[int, list, object, dict]]):
        self.inputs = {year: (items, known, trees, _stamp(items)) for year, items, known, trees in requests}
        self.ready = {year: threading.Event() for year in self.inputs}
        self.results: dict[int, list] = {}
        self.cancelled = False
        self.thread = threading.Thread(target=self._read, args=(requests,), name="goal-model prefetch", daemon=True)

    def _read(self, requests) -> None:
        for year, items, known, trees in requests:
            try:
                if not self.cancelled:
                    self.results[year] = read_all(items, year, known, trees)
            except BaseException as e:  # noqa: BLE001 - the year is read again by its step, which raises it
                log.debug("goal models of %s not read ahead: %s: %s", year, type(e).__name__, e)
            finally:
                self.ready[year].set()


_pending: _Prefetch | None = None
_pending_lock = threading.Lock()


def prefetch(requests: list[tuple[int, list[tuple[str, str, str]], object, dict]]) -> None:
    """Read the goal models of several years ahead: `requests` = (year, items, known, trees) as
    `read_all` takes them. Only years of at least PARALLEL_FILES files (the readers' share); an
    earlier prefetch is dropped."""
    global _pending
    requests = [r for r in requests if len(r[1]) >= PARALLEL_FILES]
    _discard()
    if not requests:
        return
    start(max(len(r[1]) for r in requests))
    with _pending_lock:
        _pending = _Prefetch(requests)
        _pending.thread.start()


def _discard() -> None:
    global _pending
    with _pending_lock:
        pending, _pending = _pending, None
    if pending is not None:
        pending.cancelled = True
        pending.thread.join()


def take(year: int, items: list[tuple[str, str, str]], known, trees: dict) -> list | None:
    """The prefetched result of `year` when it was read from exactly these inputs (waiting for it
    if it is being read), else None: then nothing reads ahead any more and the caller reads."""
    global _pending
    with _pending_lock:
        pending = _pending
    if pending is None:
        return None
    if year in pending.ready:
        pending.ready[year].wait()
        result = pending.results.pop(year, None)
        if pending.inputs.pop(year) == (items, known, trees, _stamp(items)) and result is not None:
            if not pending.inputs:  # the last year read ahead
                with _pending_lock:
                    if _pending is pending:
                        _pending = None
            return result
    _discard()  # not read ahead, or from other inputs: the readers are this thread's again
    return None


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
    from .. import heap

    heap.tune()
    from .styrmodell import _read_many

    heap.worker()  # no collection while a year is parsed: it is all alive until it is sent
    # a lower priority: reading ahead (prefetch) takes the cores DuckDB leaves idle, not DuckDB's
    # time; when this process is all there is to run, it runs at full speed anyway
    os.nice(10)
    serve(_read_many)


if __name__ == "__main__":
    main()
