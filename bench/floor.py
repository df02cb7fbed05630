"""Runner of the floor (bench/floor.sql): fct_measure_value straight from the raw files.

    python bench/floor.py RAW_DIR [--year 2022 ...] [--out cells.parquet] [--xlsx calamine|openpyxl]

What the runner does, in one process (floor.sql has every formula; this file only reads):

1. *Scan* (`scan_s`): every tabular file of the chosen years is read once as bytes to learn its
   encoding (UTF-8 with or without BOM, else Windows-1252) and its header (delimiter, columns).
2. *Convert* (`convert_s`): what DuckDB 2.0.1 cannot read itself is turned into UTF-8 CSV in a
   temporary folder: each `.xlsx` answer file (python-calamine, or openpyxl with `--xlsx
   openpyxl`), and each Windows-1252 CSV that holds a byte 0x80-0x9f (`–`, `’`, `€` ...), which
   read_csv's latin-1 decoder refuses (DuckDB's `encodings` extension, which knows CP1252, is not
   installable here). A Windows-1252 file without such bytes is read by DuckDB as latin-1: the two
   encodings agree on every other byte.
3. *SQL* (`sql_s`): files of one source, year, header, delimiter and encoding are read by one
   typed read_csv (`auto_detect = false`, the columns and their types given: no sniffing); the
   answers are summed from the wide rows per file and background value, only the sums unpivoted;
   then the rest of floor.sql computes every cell.

With `--year`, only those years' folders are read and Kolada is cut to those periods (the floor of
loading one year). Prints one JSON line: scan_s, convert_s, sql_s, total_s (inside the process),
conversion_s = scan_s + convert_s (the cost of files that are not plain UTF-8 CSV, and of
learning which those are), rows, and how many files were read as latin-1, transcoded, xlsx.
"""
from __future__ import annotations

import argparse
import csv
import io
import json
import re
import shutil
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import duckdb

HERE = Path(__file__).resolve().parent
SQL = HERE / "floor.sql"
SURVEYS = {  # source -> (background columns, weight column or None)
    "medarbetarenkat": (("enhet", "kon"), None),
    "medborgarundersokning": (("kon", "aldersgrupp"), "vikt"),
    "intern_enkat": (("enhet", "enkat", "respondentgrupp"), None),
}
BACKGROUND = ("enhet", "kon", "aldersgrupp", "enkat", "respondentgrupp")  # the background columns of stats
BOM = b"\xef\xbb\xbf"
C1 = re.compile(rb"[\x80-\x9f]")  # where Windows-1252 and latin-1 differ


def colname(name: str) -> str:
    """A column name as the contract matches it: case-insensitive after trimming spaces."""
    return name.strip().lower()


def _lit(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def _ident(s: str) -> str:
    return '"' + s.replace('"', '""') + '"'


@dataclass(frozen=True)
class CsvFile:
    source: str
    year: int
    path: str          # what DuckDB reads (the raw file, or its UTF-8 conversion)
    kommunkod: str     # the file's stem ('fragor' for a catalogue)
    encoding: str      # 'utf-8' or 'latin-1'
    delim: str
    columns: tuple     # the header, each name by colname()


# ============================================================================ scan and convert
def _header(line: str) -> tuple[str, tuple]:
    line = line.rstrip("\r\n")
    semis, commas = line.count(";"), line.count(",")
    delim = ";" if semis >= commas and semis > 0 else ","
    return delim, tuple(colname(c) for c in next(csv.reader([line], delimiter=delim)))


def _xlsx_rows_calamine(path: Path) -> list[list]:
    from python_calamine import CalamineWorkbook

    return CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)


def _xlsx_rows_openpyxl(path: Path) -> list[list]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True, data_only=True)
    rows = [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    wb.close()
    return rows


XLSX_READERS = {"calamine": _xlsx_rows_calamine, "openpyxl": _xlsx_rows_openpyxl}


def _cell(v) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    return str(v)


def _xlsx_to_csv(path: Path, dest: Path, reader: str) -> tuple:
    """The first sheet of an .xlsx as a ';' UTF-8 CSV; returns its header (by colname)."""
    rows = XLSX_READERS[reader](path)
    width = len(rows[0])
    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\n")
    for row in rows:
        row = list(row)[:width] + [None] * (width - len(row))  # read-only sheets drop trailing blanks
        w.writerow([_cell(v) for v in row])
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(out.getvalue(), encoding="utf-8")
    return tuple(colname(_cell(c)) for c in rows[0])


def scan(raw: Path, tmp: Path, years: list[int] | None = None, xlsx_reader: str = "calamine") -> tuple[dict, dict]:
    """Every tabular file of `raw` (those years), as CsvFile by kind; and the time it took.

    kinds: 'catalogue', 'organisation', and each survey source's answers; plus 'goal_model' and
    'kolada' (paths only). Returns (files, info)."""
    t0 = time.perf_counter()
    files: dict = defaultdict(list)
    conv_s, n = 0.0, defaultdict(int)
    for source in ("organisation", "styrmodell", *SURVEYS):
        folder = raw / source
        if not folder.is_dir():
            continue
        for year_dir in sorted(folder.iterdir()):
            if not (year_dir.is_dir() and year_dir.name.isdigit() and len(year_dir.name) == 4):
                continue
            year = int(year_dir.name)
            if years is not None and year not in years:
                continue
            for f in sorted(year_dir.iterdir()):
                suffix = f.suffix.lower()
                if source == "styrmodell":
                    if suffix in (".yml", ".yaml"):
                        files["goal_model"].append((year, f.stem, str(f)))
                    continue
                kind = "organisation" if source == "organisation" else ("catalogue" if f.stem == "fragor" else source)
                if suffix == ".xlsx":
                    c0 = time.perf_counter()
                    dest = tmp / source / year_dir.name / f"{f.stem}.csv"
                    header = _xlsx_to_csv(f, dest, xlsx_reader)
                    conv_s += time.perf_counter() - c0
                    n["xlsx"] += 1
                    files[kind].append(CsvFile(source, year, str(dest), f.stem, "utf-8", ";", header))
                    continue
                if suffix != ".csv":
                    continue
                data = f.read_bytes()
                encoding, path = "utf-8", str(f)
                if not (data.startswith(BOM) or data.isascii()):
                    try:
                        data.decode("utf-8")
                    except UnicodeDecodeError:
                        if C1.search(data):  # latin-1 would refuse it: transcode
                            c0 = time.perf_counter()
                            dest = tmp / source / year_dir.name / f.name
                            dest.parent.mkdir(parents=True, exist_ok=True)
                            dest.write_bytes(data.decode("cp1252").encode("utf-8"))
                            conv_s += time.perf_counter() - c0
                            path = str(dest)
                            n["transcoded"] += 1
                        else:
                            encoding = "latin-1"
                            n["latin1"] += 1
                first = data[:data.find(b"\n") + 1 or len(data)].removeprefix(BOM)
                delim, header = _header(first.decode("utf-8" if encoding == "utf-8" and path == str(f) else "cp1252"))
                files[kind].append(CsvFile(source, year, path, f.stem, encoding, delim, header))
    kolada = raw / "kolada"
    if kolada.is_dir():
        files["kolada"] = [str(p) for p in sorted(kolada.glob("*.json")) if p.name != "kpi.json"]
    total = time.perf_counter() - t0
    return files, {"scan_s": total - conv_s, "convert_s": conv_s, **{f"{k}_files": v for k, v in n.items()}}


# ============================================================================ SQL: reading
def _groups(files: list[CsvFile]) -> dict:
    """Files that one read_csv call can read: same source, year, header, delimiter and encoding."""
    g = defaultdict(list)
    for f in files:
        g[(f.source, f.year, f.columns, f.delim, f.encoding)].append(f.path)
    return g


def _read_csv(paths: list[str], columns: tuple, delim: str, encoding: str, types: dict) -> str:
    cols = ", ".join(f"{_lit(c)}: {_lit(types.get(c, 'VARCHAR'))}" for c in columns)
    return (f"read_csv([{', '.join(_lit(p) for p in paths)}], auto_detect = false, header = true, "
            f"delim = {_lit(delim)}, quote = '\"', escape = '\"', encoding = {_lit(encoding)}, "
            f"filename = true, columns = {{{cols}}})")


def _kod_of(expr: str) -> str:
    return f"regexp_extract({expr}, '([^/]+)\\.[A-Za-z]+$', 1)"


def read_small_files(con, files: dict) -> None:
    """catalogue, org, goal_model and kolada_doc (see floor.sql's head)."""
    def union(kind, wanted, empty):
        parts = []
        for (source, year, columns, delim, enc), paths in _groups(files.get(kind, [])).items():
            sel = ", ".join(f"{_ident(c)}" if c in columns else f"null::varchar as {_ident(c)}" for c in wanted)
            parts.append(f"select {_lit(source)} as source, {year} as year, {_kod_of('filename')} as kommunkod, {sel} "
                         f"from {_read_csv(paths, columns, delim, enc, {})}")
        return " union all ".join(parts) if parts else empty

    con.execute("create or replace temp table catalogue as select source, year, kolumn, matt, skala, grupp from ("
                + union("catalogue", ("kolumn", "matt", "skala", "grupp"),
                        "select null::varchar as source, null::integer as year, null::varchar as kommunkod, null::varchar as kolumn, "
                        "null::varchar as matt, null::varchar as skala, null::varchar as grupp where false") + ")")
    con.execute("create or replace temp table org as select year, kommunkod, enhet, overordnad from ("
                + union("organisation", ("enhet", "overordnad"),
                        "select null::varchar as source, null::integer as year, null::varchar as kommunkod, null::varchar as enhet, "
                        "null::varchar as overordnad where false") + ")")
    gm = files.get("goal_model", [])
    if gm:
        con.execute(f"""create or replace temp table goal_model as
            select m.year, m.kommunkod, t.content
            from read_text([{', '.join(_lit(p) for _, _, p in gm)}]) t
            join (select unnest(?::integer[]) as year, unnest(?::varchar[]) as kommunkod, unnest(?::varchar[]) as filename) m
              on m.filename = t.filename""", [[y for y, _, _ in gm], [k for _, k, _ in gm], [p for _, _, p in gm]])
    else:
        con.execute("create or replace temp table goal_model (year integer, kommunkod varchar, content varchar)")
    kol = files.get("kolada", [])
    typ = 'STRUCT(kpi VARCHAR, municipality VARCHAR, period INTEGER, "values" STRUCT(gender VARCHAR, "value" DOUBLE)[])[]'
    if kol:
        con.execute(f"""create or replace temp table kolada_doc as select "values"
                        from read_json([{', '.join(_lit(p) for p in kol)}], columns = {{'values': {_lit(typ)}}})""")
    else:
        con.execute(f'create or replace temp table kolada_doc ("values" {typ})')


def answer_sums_sql(source: str, year: int, files: list[CsvFile], questions: list[tuple]) -> str:
    """One statement: insert into stats the sums of one source and year (see floor.sql, step 2).

    questions: (q, kolumn, verbal, k) of that source and year's catalogue (q: floor.sql's question id)."""
    background, weight = SURVEYS[source]
    qs = [(colname(kolumn), q, verbal, k) for q, kolumn, verbal, k in questions]
    types = {q[0]: "UTINYINT" for q in qs}
    reads = []
    for (_, _, columns, delim, enc), paths in _groups(files).items():
        sel = ["filename"]
        sel += [_ident(b) if b in columns else f"null::varchar as {_ident(b)}" for b in background]
        if weight:
            sel.append(f"coalesce(replace({_ident(weight)}, ',', '.')::double, 1.0) as w" if weight in columns else "1.0::double as w")
        sel += [f"answer_value({_ident(c)}, {str(verbal).lower()}, {k}) as y_{i}" if c in columns else f"null::double as y_{i}"
                for i, (c, _, verbal, k) in enumerate(qs)]
        reads.append(f"select {', '.join(sel)} from {_read_csv(paths, columns, delim, enc, types)}")
    keys = ", ".join(["filename", *(_ident(b) for b in background)])
    if weight:  # the row's weight where it has a valid answer to question i
        rows = (f"select {keys}, {', '.join(f'y_{i}, case when y_{i} is not null then w end as w_{i}' for i in range(len(qs)))} "
                f"from ({' union all '.join(reads)})")
        aggs = [f"count(y_{i}) as n_{i}, sum(w_{i}) as sw_{i}, sum(w_{i} * y_{i}) as swx_{i}, "
                f"sum(w_{i} * y_{i} * y_{i}) as swxx_{i}, sum(w_{i} * w_{i}) as sww_{i}" for i in range(len(qs))]
    else:  # every weight 1: sum w = sum w^2 = n
        rows = " union all ".join(reads)
        aggs = [f"count(y_{i}) as n_{i}, sum(y_{i}) as swx_{i}, sum(y_{i} * y_{i}) as swxx_{i}" for i in range(len(qs))]
    named = [f"{_kod_of('filename')} as kommunkod"]
    named += [(f"unit_code({_ident(b)})" if b == "enhet" else f"group_value({_ident(b)})") + f" as {_ident(b)}"
              if b in background else f"null::varchar as {_ident(b)}" for b in BACKGROUND]
    unpivot = []
    for i, (_, q, _, _) in enumerate(qs):
        sw, sww = (f"sw_{i}", f"sww_{i}") if weight else (f"n_{i}", f"n_{i}")
        unpivot.append(f"select {q} as q, kommunkod, {', '.join(BACKGROUND)}, n_{i} as n, {sw} as sw, swx_{i} as swx, "
                       f"swxx_{i} as swx2, {sww} as sw2 from leaf where n_{i} > 0")
    return f"""insert into stats by name
with leaf as materialized (
    select {', '.join(named)}, * exclude ({keys})
    from (select {keys}, {', '.join(aggs)} from ({rows}) group by all))
{' union all '.join(unpivot)}"""


def sections() -> dict:
    """floor.sql cut at its `-- @@ name @@` lines: {'setup': ..., 'each year: answer sums': ..., ...}."""
    parts = re.split(r"^-- @@ (.+?) @@$", SQL.read_text(encoding="utf-8"), flags=re.M)
    return {"setup": parts[0], **dict(zip(parts[1::2], parts[2::2]))}


def run_sql(con: duckdb.DuckDBPyConnection, files: dict, years: list[int] | None = None) -> int:
    sql = sections()
    con.execute("set variable kolada_years = " + ("null" if years is None else f"[{', '.join(str(int(y)) for y in years)}]::integer[]"))
    read_small_files(con, files)
    con.execute(sql["setup"])
    catalogue = defaultdict(list)
    for source, year, q, kolumn, verbal, k in con.execute(
            "select source, year, q, kolumn, verbal, k from question order by q").fetchall():
        catalogue[(source, year)].append((q, kolumn, verbal, k))
    by_year = defaultdict(lambda: defaultdict(list))
    for source in SURVEYS:
        for f in files.get(source, []):
            by_year[f.year][source].append(f)
    for year in sorted(by_year):  # a year at a time: its sums, then its cells
        con.execute(f"set variable year = {int(year)}")
        con.execute(sql["each year: answer sums"])
        for source, fs in by_year[year].items():
            if catalogue.get((source, year)):
                con.execute(answer_sums_sql(source, year, fs, catalogue[(source, year)]))
        con.execute(sql["each year: cells"])
    con.execute(sql["once: Kolada and the result"])
    return con.execute("select count(*) from fct_measure_value").fetchone()[0]


def compute(raw: Path, years: list[int] | None = None, out: Path | None = None,
            con: duckdb.DuckDBPyConnection | None = None, xlsx_reader: str = "calamine") -> dict:
    """Run the floor on `raw`; the cells stay in `con` (table fct_measure_value) and, with `out`, in a parquet file."""
    con = con or duckdb.connect()
    t0 = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="floor-"))
    try:
        files, info = scan(Path(raw).resolve(), tmp, years, xlsx_reader)
        t1 = time.perf_counter()
        rows = run_sql(con, files, years)
        t2 = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        con.execute(f"copy fct_measure_value to '{out}' (format parquet)")
    return {"scan_s": round(info.pop("scan_s"), 3), "convert_s": round(info.pop("convert_s"), 3),
            "conversion_s": round(t1 - t0, 3), "sql_s": round(t2 - t1, 3), "total_s": round(t2 - t0, 3),
            "rows": rows, "xlsx_reader": xlsx_reader, **info}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description="The floor: fct_measure_value in one DuckDB process")
    p.add_argument("raw_dir", type=Path)
    p.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    p.add_argument("--out", type=Path, help="write the cells to this parquet file")
    p.add_argument("--xlsx", choices=sorted(XLSX_READERS), default="calamine", help="the .xlsx reader (default calamine)")
    args = p.parse_args(argv)
    if not args.raw_dir.is_dir():
        print(f"no raw directory: {args.raw_dir}", file=sys.stderr)
        return 2
    print(json.dumps(compute(args.raw_dir, args.year, args.out, xlsx_reader=args.xlsx)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
