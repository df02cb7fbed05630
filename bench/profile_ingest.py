"""Where one year's ingest spends its time: each source's ingest under cProfile, outside Dagster.

    python bench/profile_ingest.py RAW_DIR YEAR [--top 15] [--db scratch.duckdb]

Lands the year in a scratch build database (organisation first: answers and goals need the
tree) and prints, per source, the wall time, the rows landed and the functions with the most own
time (tottime) and cumulative time. cProfile slows pure-Python code down (YAML parsing about 1.5-2x),
so read the shares, not the absolute seconds. The process uses the run's garbage-collector
settings (pipelines/heap.py).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SOURCES = ("organisation", "medarbetarenkat", "medborgarundersokning", "intern_enkat", "styrmodell", "kolada")


def main(argv: list[str] | None = None) -> int:
    from pipelines import heap

    heap.tune()  # the run's garbage-collector settings (pipelines/heap.py): without them the goal
    # models of a national year read ~0.3 s slower here than in a run (2.7 s against 2.4 s)
    import duckdb

    from pipelines.ingest import ensure_schema, ingest

    heap.freeze()

    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("raw_dir", type=Path)
    p.add_argument("year", type=int)
    p.add_argument("--top", type=int, default=15)
    p.add_argument("--db", type=Path)
    p.add_argument("--no-profile", action="store_true", help="wall times only (no cProfile overhead)")
    args = p.parse_args(argv)
    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        args.db = Path(tmp.name) / "build.duckdb"
    con = duckdb.connect(str(args.db))
    ensure_schema(con)
    for source in SOURCES:
        prof = None if args.no_profile else cProfile.Profile()
        t0 = time.perf_counter()
        if prof:
            prof.enable()
        n, issues = ingest(con, args.raw_dir.resolve(), source, args.year)
        if prof:
            prof.disable()
        wall = time.perf_counter() - t0
        print(f"== {source}: {wall:.2f} s, {n} rows, {len(issues)} findings", flush=True)
        if prof:
            for key in ("tottime", "cumulative"):
                out = io.StringIO()
                pstats.Stats(prof, stream=out).sort_stats(key).print_stats(args.top)
                body = [l for l in out.getvalue().splitlines() if l.strip()]
                start = next(i for i, l in enumerate(body) if l.lstrip().startswith("ncalls"))
                print(f"   by {key}:")
                print("\n".join("   " + l[:170] for l in body[start:start + args.top + 1]))
    con.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
