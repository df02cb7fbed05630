"""Runner of the floor (bench/floor.sql): fct_measure_value straight from the raw files.

    python bench/floor.py RAW_DIR [--year 2022 ...] [--out cells.parquet]

floor.sql assumes UTF-8 CSV files, so the runner first makes a *shadow* raw directory under a
temporary folder: a symlink for every UTF-8 file (no copy), and a transcoded UTF-8 CSV for each
Windows-1252 CSV and each .xlsx answer file (the only files that are transcoded; the time this
takes is reported as `prep_s` and counted in the floor's time). With `--year`, the shadow holds
only those years' folders and Kolada is cut to those periods (the floor of loading one year).
Prints one JSON line: prep_s, sql_s, total_s, rows, transcoded files.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
SQL = HERE / "floor.sql"
YEAR_SOURCES = ("organisation", "styrmodell", "medarbetarenkat", "medborgarundersokning", "intern_enkat")


def _xlsx_to_csv(src: Path, dest: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(src, read_only=True, data_only=True)
    ws = wb.worksheets[0]
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    width = None
    for row in ws.iter_rows(values_only=True):
        width = width or len(row)  # read-only sheets drop trailing empty cells: pad to the header
        row = tuple(row) + (None,) * (width - len(row))
        cells = []
        for v in row:
            if v is None or (isinstance(v, float) and math.isnan(v)):
                cells.append("")
            elif isinstance(v, float) and v.is_integer():
                cells.append(str(int(v)))
            else:
                cells.append(str(v))
        w.writerow(cells)
    wb.close()
    dest.write_text(out.getvalue(), encoding="utf-8")


def _place(src: Path, dest: Path) -> bool:
    """Symlink a UTF-8 file; transcode a Windows-1252 CSV or an xlsx. True when transcoded."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix.lower() == ".xlsx":
        _xlsx_to_csv(src, dest.with_suffix(".csv"))
        return True
    if src.suffix.lower() == ".csv":
        data = src.read_bytes()
        if not data.isascii():
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                dest.write_bytes(data.decode("cp1252").encode("utf-8"))
                return True
    dest.symlink_to(src)
    return False


def prepare(raw: Path, shadow: Path, years: list[int] | None = None) -> int:
    """Fill `shadow` with the raw files floor.sql reads; returns how many were transcoded."""
    raw = raw.resolve()
    transcoded = 0
    for source in YEAR_SOURCES:
        folder = raw / source
        if not folder.is_dir():
            continue
        for year_dir in sorted(folder.iterdir()):
            if not (year_dir.is_dir() and year_dir.name.isdigit() and len(year_dir.name) == 4):
                continue
            if years is not None and int(year_dir.name) not in years:
                continue
            for f in sorted(year_dir.iterdir()):
                if f.is_file():
                    transcoded += _place(f, shadow / source / year_dir.name / f.name)
    if (raw / "kolada").is_dir():
        (shadow / "kolada").mkdir(parents=True, exist_ok=True)
        for f in sorted((raw / "kolada").glob("*.json")):
            (shadow / "kolada" / f.name).symlink_to(f)
    if not list(shadow.glob("styrmodell/*/*.yml")):  # read_text needs one file; no limit = 5
        (shadow / "styrmodell" / "none").mkdir(parents=True, exist_ok=True)
        (shadow / "styrmodell" / "none" / "none.yml").write_text("", encoding="utf-8")
    return transcoded


def run_sql(con: duckdb.DuckDBPyConnection, shadow: Path, years: list[int] | None = None) -> int:
    con.execute(f"set variable raw = '{str(shadow).replace(chr(39), chr(39) * 2)}'")
    con.execute("set variable kolada_years = " + ("null" if years is None else f"[{', '.join(str(int(y)) for y in years)}]::integer[]"))
    con.execute(SQL.read_text(encoding="utf-8"))
    return con.execute("select count(*) from fct_measure_value").fetchone()[0]


def compute(raw: Path, years: list[int] | None = None, out: Path | None = None,
            con: duckdb.DuckDBPyConnection | None = None) -> dict:
    """Run the floor on `raw`; the cells stay in `con` (table fct_measure_value) and, with `out`, in a parquet file."""
    con = con or duckdb.connect()
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        transcoded = prepare(Path(raw), tmp / "raw", years)
        t1 = time.perf_counter()
        rows = run_sql(con, tmp / "raw", years)
        t2 = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy fct_measure_value to '{out}' (format parquet)")
    return {"prep_s": round(t1 - t0, 3), "sql_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
            "rows": rows, "transcoded_files": transcoded}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="The floor: fct_measure_value in one DuckDB script")
    p.add_argument("raw_dir", type=Path)
    p.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    p.add_argument("--out", type=Path, help="write the cells to this parquet file")
    args = p.parse_args(argv)
    if not args.raw_dir.is_dir():
        print(f"no raw directory: {args.raw_dir}", file=sys.stderr)
        return 2
    print(json.dumps(compute(args.raw_dir, args.year, args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
