"""Cell-by-cell comparison of fct_measure_value from two implementations.

    python bench/compare.py RAW_DIR PUBLISHED.duckdb    # floor and pandas peer vs the pipeline

`diff_cells(con, a, b)` compares two relations of a DuckDB connection (tables or views with the
published columns): cells only in one of them, and cells whose value / n_answers / ci_low /
ci_high / suppressed differ (numbers beyond `tol`, nulls against non-nulls).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import duckdb

KEY = ("measure_id", "kommunkod", "year", "enhet", "group_type", "group_value")
NUMBERS = ("value", "ci_low", "ci_high")


def diff_cells(con: duckdb.DuckDBPyConnection, a: str, b: str, tol: float = 1e-9, limit: int = 10) -> dict:
    on = " and ".join(f"a.{k} is not distinct from b.{k}" for k in KEY)
    differ = " or ".join(
        [f"(a.{c} is null) <> (b.{c} is null) or abs(a.{c} - b.{c}) > {tol}" for c in NUMBERS]
        + ["a.n_answers is distinct from b.n_answers",
           "coalesce(a.suppressed, false) <> coalesce(b.suppressed, false)"])
    keys = ", ".join(f"coalesce(a.{k}, b.{k})::varchar" for k in KEY)
    base = f"""
        select a.measure_id is null as only_b, b.measure_id is null as only_a,
               a.measure_id is not null and b.measure_id is not null and ({differ}) as differs,
               concat_ws(' | ', {keys}) as cell,
               a.value as a_value, b.value as b_value, a.n_answers as a_n, b.n_answers as b_n,
               a.suppressed as a_supp, b.suppressed as b_supp,
               greatest(abs(a.value - b.value), abs(a.ci_low - b.ci_low), abs(a.ci_high - b.ci_high)) as delta
        from (select * from {a}) a full outer join (select * from {b}) b on {on}"""
    counts = con.execute(f"""select count(*) filter (where only_a), count(*) filter (where only_b),
                                    count(*) filter (where differs), count(*), max(delta)
                             from ({base})""").fetchone()
    examples = con.execute(f"""select cell, only_a, only_b, a_value, b_value, a_n, b_n, a_supp, b_supp
                               from ({base}) where only_a or only_b or differs order by cell limit {limit}""").fetchall()
    return {"only_a": counts[0], "only_b": counts[1], "differ": counts[2], "cells": counts[3],
            "max_abs_delta": counts[4], "examples": [list(map(str, e)) for e in examples],
            "equal": counts[0] == counts[1] == counts[2] == 0}


def load_published(con: duckdb.DuckDBPyConnection, published: Path, name: str = "pipeline") -> None:
    con.execute(f"attach '{published}' as pub (read_only)")
    con.execute(f"create or replace temp table {name} as select measure_id, kommunkod, year, enhet, group_type, group_value, "
                f"value, n_answers, ci_low, ci_high, suppressed from pub.marts.fct_measure_value")
    con.execute("detach pub")


def load_peer(con: duckdb.DuckDBPyConnection, raw: Path, name: str = "peer", years=None) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from pandas_peer import compute_cells

    df = compute_cells(raw, years)
    df["n_answers"] = df["n_answers"].astype("float64")  # Int64 with NA -> float for DuckDB
    con.register("_peer_df", df)
    con.execute(f"create or replace temp table {name} as select measure_id, kommunkod::varchar as kommunkod, year::integer as year, "
                f"enhet, group_type, group_value, value::double as value, n_answers::bigint as n_answers, "
                f"ci_low::double as ci_low, ci_high::double as ci_high, suppressed::boolean as suppressed from _peer_df")
    con.unregister("_peer_df")


def load_floor(con: duckdb.DuckDBPyConnection, raw: Path, name: str = "floor", years=None) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import floor

    floor.compute(raw, years, con=con)  # leaves table fct_measure_value in con
    con.execute(f"create or replace temp table {name} as select * from fct_measure_value")
    con.execute("drop table fct_measure_value")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="floor and pandas peer against the pipeline's published cells")
    p.add_argument("raw_dir", type=Path)
    p.add_argument("published", type=Path)
    p.add_argument("--tol", type=float, default=1e-9)
    args = p.parse_args(argv)
    con = duckdb.connect()
    load_published(con, args.published)
    load_floor(con, args.raw_dir)
    load_peer(con, args.raw_dir)
    out = {"floor_vs_pipeline": diff_cells(con, "floor", "pipeline", args.tol),
           "peer_vs_pipeline": diff_cells(con, "peer", "pipeline", args.tol)}
    print(json.dumps(out, indent=1, default=str))
    return 0 if all(v["equal"] for v in out.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
