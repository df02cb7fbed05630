"""The contract's tabular file rules (section 2), in one place.

CSV: UTF-8 with or without BOM, or Windows-1252; delimiter `;` or `,`; one header row; decimal
comma allowed in numbers. xlsx: the same columns on the first sheet. Column names are matched
case-insensitively after trimming; blank cells are missing.

`load_table` reads a file into a DuckDB temp table of VARCHAR columns (names normalised) plus
`_row`, the line of the file (1 = header), so every later check can name file, row and column.
UTF-8 files are parsed by DuckDB's own CSV reader (set-based and fast); other encodings are
transcoded once to a temporary UTF-8 file first.
"""
from __future__ import annotations

import csv
import io
import itertools
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .issues import FileRuleError

_BOM = b"\xef\xbb\xbf"
_counter = itertools.count()


@dataclass(frozen=True)
class LoadedTable:
    name: str  # DuckDB temp table holding the file's rows
    columns: list[str]  # normalised column names, in file order
    file: str  # the file's name as reported in issues
    encoding: str
    delimiter: str | None
    n_rows: int


def normalise_name(name: str) -> str:
    return (name or "").strip().lower()


def _decode(data: bytes, file: str) -> tuple[str, str]:
    if data.startswith(_BOM):
        return data[len(_BOM):].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileRuleError(file, "encoding", f"the file is neither UTF-8 nor Windows-1252 (byte 0x{data[e.start]:02x})", row=line) from None


def _sniff_delimiter(header_line: str) -> str:
    semis, commas = header_line.count(";"), header_line.count(",")
    return ";" if semis >= commas and semis > 0 else ","


def _header(text: str, delimiter: str) -> list[str]:
    first = next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r")), delimiter=delimiter), [])
    return first


def load_table(con: duckdb.DuckDBPyConnection, path: Path, file: str) -> LoadedTable:
    """Read one CSV or xlsx file into a temp table; raise FileRuleError if it cannot be read."""
    name = f"_file_{next(_counter)}"
    if path.suffix.lower() == ".xlsx":
        return _load_xlsx(con, path, file, name)
    data = path.read_bytes()
    if not data.strip():
        raise FileRuleError(file, "empty_file", "the file is empty (no header row)", row=1)
    text, encoding = _decode(data, file)
    if "\x00" in text:
        raise FileRuleError(file, "encoding", "the file contains NUL bytes: not a text CSV file (an xlsx or UTF-16 file renamed?)")
    first_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(first_line)
    header = _header(text, delimiter)
    columns = _check_header(header, file)
    tmp = None
    source_path = str(path)
    if encoding != "utf-8":
        tmp = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".csv", delete=False, newline="")
        tmp.write(text)
        tmp.close()
        source_path = tmp.name
    positional = {f"c{i}": "VARCHAR" for i in range(len(columns))}
    select_list = ", ".join(f"nullif(trim(c{i}), '') as {_quote(c)}" for i, c in enumerate(columns))
    try:
        con.execute(
            f"""create or replace temp table {name} as
            select (row_number() over () + 1)::bigint as _row,
                   {select_list}
            from read_csv(?, delim=?, header=true, quote='"', escape='"', columns=?,
                          auto_detect=false, strict_mode=true, null_padding=false,
                          parallel=false)""",
            [source_path, delimiter, positional],
        ).fetchall()
    except duckdb.Error as e:
        msg = str(e).split("\n")[0]
        m = re.search(r"[Ll]ine:? (\d+)", str(e))
        raise FileRuleError(file, "parse", f"cannot parse the CSV file: {msg}", row=int(m.group(1)) if m else None) from None
    finally:
        if tmp is not None:
            Path(tmp.name).unlink(missing_ok=True)
    n = con.execute(f"select count(*) from {name}").fetchall()[0][0]
    return LoadedTable(name, columns, file, encoding, delimiter, n)


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _check_header(header: list[str], file: str) -> list[str]:
    columns = [normalise_name(h) for h in header]
    if not any(columns):
        raise FileRuleError(file, "empty_file", "the header row is empty", row=1)
    seen: set[str] = set()
    for c in columns:
        if not c:
            raise FileRuleError(file, "header", "a column has no name", row=1)
        if not re.fullmatch(r"[\wåäöÅÄÖ .\-/()]+", c):
            raise FileRuleError(file, "header", f"column name {c!r} has characters a column name cannot have (wrong delimiter?)", row=1, column=c)
        if c in seen:
            raise FileRuleError(file, "duplicate_column", f"column {c!r} appears twice (names are compared case-insensitively)", row=1, column=c)
        seen.add(c)
    return columns


def _load_xlsx(con, path: Path, file: str, name: str) -> LoadedTable:
    import pandas as pd

    try:
        df = pd.read_excel(path, sheet_name=0, dtype=str, header=0, engine="openpyxl")
    except Exception as e:  # openpyxl raises many kinds for broken files
        raise FileRuleError(file, "parse", f"cannot read the xlsx file: {type(e).__name__}: {e}") from None
    columns = _check_header([str(c) if not str(c).startswith("Unnamed:") else "" for c in df.columns], file)
    df.columns = columns
    df = df.apply(lambda s: s.str.strip()).replace({"": None})
    df = df.astype(object).where(df.notna(), None)
    df.insert(0, "_row", range(2, len(df) + 2))
    con.register(f"{name}_df", df)
    con.execute(f"create or replace temp table {name} as select * from {name}_df").fetchall()
    con.unregister(f"{name}_df")
    return LoadedTable(name, columns, file, "xlsx", None, len(df))


def decimal(expr: str) -> str:
    """SQL that casts a VARCHAR holding a number with a decimal point or comma to DOUBLE (NULL if not a number)."""
    return f"try_cast(replace({expr}, ',', '.') as double)"
