"""The contract's tabular file rules (section 2), in one place.

CSV: UTF-8 with or without BOM, or Windows-1252; delimiter `;` or `,`; one header row; decimal
comma allowed in numbers. xlsx: the same columns on the first sheet. Column names are matched
case-insensitively after trimming; blank cells are missing.

`load_table` reads a file into a DuckDB temp table of VARCHAR columns (names normalised) plus
`_row`, the line of the file (1 = header), so every later check can name file, row and column.
UTF-8 files are parsed by DuckDB's own CSV reader (set-based and fast); other encodings are
transcoded once to a temporary UTF-8 file first.

A line may be at most `MAX_LINE` bytes long (DuckDB's own limit, set explicitly): a file without
line breaks is refused with `line_too_long`, naming the line. A message about a file that cannot
be parsed says what is wrong (line too long, too few or many fields) and never quotes the line.
"""
from __future__ import annotations

import csv
import datetime as _dt
import io
import itertools
import re
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from .issues import FileRuleError, shown_value

MAX_LINE = 2_000_000  # bytes in one line of a CSV file (DuckDB's max_line_size)
_BOM = b"\xef\xbb\xbf"
_counter = itertools.count()


@dataclass(frozen=True)
class LoadedTable:
    """A DuckDB temp table of one or more files with the same header: columns `_file` (the file
    as reported in issues), `_row` (its line in that file, 1 = header) and the file's columns."""

    name: str
    columns: list[str]  # normalised column names, in file order
    files: tuple[str, ...]
    n_rows: int

    @property
    def file(self) -> str:
        return self.files[0]


@dataclass
class _Sniffed:
    rel: str
    path: str  # what DuckDB reads: the file itself, or a UTF-8 copy
    delimiter: str
    columns: list[str]
    temporary: bool


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


def _header(text: str, delimiter: str, file: str) -> list[str]:
    try:
        return next(csv.reader(io.StringIO(text.split("\n", 1)[0].rstrip("\r")), delimiter=delimiter), [])
    except csv.Error as e:  # e.g. a column name longer than the csv module's field limit
        raise FileRuleError(file, "header", f"the header row cannot be read: {e}", row=1) from None


def _n(value: int) -> str:
    return f"{value:,}".replace(",", " ")


def _csv_error(e: duckdb.Error, file: str) -> FileRuleError:
    """What DuckDB found wrong with a CSV file, said in words: the line and the cause, never the
    line's content (DuckDB's message quotes it as 'Original Line')."""
    text = str(e)
    line = re.search(r"CSV Error on Line:? (\d+)", text) or re.search(r"[Ll]ine:? (\d+)", text)
    row = int(line.group(1)) if line else None
    at_line = f"line {row}" if row is not None else "a line"
    size = re.search(r"Maximum line size of (\d+) bytes exceeded\. Actual Size:\s*(\d+) bytes", text)
    if size:
        return FileRuleError(file, "line_too_long",
                             f"{at_line} is {_n(int(size.group(2)))} bytes long, more than the {_n(int(size.group(1)))} bytes a line may "
                             "have: the file has no line breaks there (or a quote is never closed)", row=row)
    fields = re.search(r"Expected Number of Columns:\s*(\d+)\s*Found:\s*(\d+)", text)
    if fields:
        expected, found = int(fields.group(1)), int(fields.group(2))
        return FileRuleError(file, "parse", f"cannot parse the CSV file: {at_line} has {found} fields where the header has "
                                            f"{expected} (a cut or broken row?)", row=row)
    first = text.split("\n", 1)[0]
    return FileRuleError(file, "parse", f"cannot parse the CSV file: {first}", row=row)


def load_table(con: duckdb.DuckDBPyConnection, path: Path, file: str, accept=None) -> LoadedTable | None:
    """Read one CSV or xlsx file into a temp table; raise FileRuleError if it cannot be read;
    None if `accept` refused its header (see load_tables)."""
    tables, errors = load_tables(con, [(path, file)], accept)
    if errors:
        raise errors[0]
    return tables[0] if tables else None


def load_tables(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, str]], accept=None) -> tuple[list[LoadedTable], list[FileRuleError]]:
    """Read many files. CSV files that share delimiter and header are read by one DuckDB scan
    (a national year has hundreds of answer files of one shape); a file that cannot be read is
    returned as a FileRuleError and the others are still read.

    `accept(file, columns)`, when given, sees each CSV file's header before its rows are read: a
    file it refuses (it records why) is not read at all, so a header of thousands of unknown
    columns costs nothing but its issues."""
    tables: list[LoadedTable] = []
    with csv_groups(con, items, accept) as (found, errors):
        for item in found:
            if isinstance(item, CsvGroup):
                read, failed = item.read(con)
                tables += read
                errors += failed
            else:
                tables.append(item)
    return tables, errors


@dataclass
class CsvGroup:
    """CSV files with the same delimiter and header, not read yet: `read` lands them in a temp
    table with row numbers (what the per-rule checks name); `scan_sql` is a query over them that
    DuckDB streams on all its threads (no row numbers), for a caller that only needs to know
    whether any rule is broken before it lands the rows."""

    columns: list[str]
    delimiter: str
    members: list[_Sniffed]

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(m.rel for m in self.members)

    def read(self, con) -> tuple[list[LoadedTable], list[FileRuleError]]:
        try:
            return [_read_csv_group(con, self.columns, self.delimiter, self.members)], []
        except duckdb.Error:
            # one broken file spoils its group's scan: read them one by one to name it
            tables, errors = [], []
            for m in self.members:
                try:
                    tables.append(_read_csv_group(con, self.columns, self.delimiter, [m]))
                except duckdb.Error as e:
                    errors.append(_csv_error(e, m.rel))
            return tables, errors

    def scan_sql(self, con, integers=()) -> str:
        """A `select _file, <columns>` over the group's files (blank = null, trimmed, as `read`
        gives them), without `_row`. Running it raises duckdb.Error if a file does not parse.

        The columns named in `integers` are parsed by the CSV reader as INTEGER instead (a
        national staff year's answers 0.6 s against 0.9 s for text trimmed and cast). The reader
        converts a cell exactly as `try_cast(trim(cell) as integer)` does and gives null for an
        empty one, but a cell it cannot convert (a blank of spaces, a word, a number out of
        range) fails the whole scan with duckdb.Error: the caller then reads the text."""
        integers = set(integers)
        typed = {i for i, c in enumerate(self.columns) if c in integers}
        columns = ", ".join(f"c{i} as {_quote(c)}" if i in typed else f"nullif(trim(c{i}), '') as {_quote(c)}"
                            for i, c in enumerate(self.columns))
        return f"""select m.rel as _file, {columns}
            from {_read_csv(self.members, self.delimiter, len(self.columns), integers=typed)} r
            join {_file_map(con, self.members)} m on m.path = r.filename"""


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@contextmanager
def csv_groups(con: duckdb.DuckDBPyConnection, items: list[tuple[Path, str]], accept=None):
    """`load_tables` without reading the CSV files: yields (items, errors), where items are
    `CsvGroup`s (CSV files grouped by delimiter and header) and `LoadedTable`s (xlsx files, read
    as they come). Temporary UTF-8 copies of Windows-1252 files live until the block ends."""
    found: list = []
    errors: list[FileRuleError] = []
    groups: dict[tuple, list[_Sniffed]] = {}
    try:
        for path, rel in items:
            try:
                if path.suffix.lower() == ".xlsx":
                    found.append(_load_xlsx(con, path, rel, f"_file_{next(_counter)}"))
                else:
                    sniffed = _sniff(path, rel)
                    if accept is not None and not accept(rel, sniffed.columns):
                        if sniffed.temporary:
                            Path(sniffed.path).unlink(missing_ok=True)
                        continue
                    groups.setdefault((sniffed.delimiter, tuple(sniffed.columns)), []).append(sniffed)
            except FileRuleError as e:
                errors.append(e)
        found += [CsvGroup(list(columns), delimiter, members) for (delimiter, columns), members in groups.items()]
        yield found, errors
    finally:
        for members in groups.values():
            for m in members:
                if m.temporary:
                    Path(m.path).unlink(missing_ok=True)


def _sniff(path: Path, rel: str) -> _Sniffed:
    data = path.read_bytes()
    if not data.strip():
        raise FileRuleError(rel, "empty_file", "the file is empty (no header row)", row=1)
    text, encoding = _decode(data, rel)
    if "\x00" in text:
        raise FileRuleError(rel, "encoding", "the file contains NUL bytes: not a text CSV file (an xlsx or UTF-16 file renamed?)")
    end = text.find("\n")
    header_length = len(text[: end if end >= 0 else len(text)].encode("utf-8"))
    if header_length > MAX_LINE:
        raise FileRuleError(rel, "line_too_long", f"the header row is {_n(header_length)} bytes long, more than the {_n(MAX_LINE)} "
                                                  "bytes a line may have: the file has no line breaks", row=1)
    delimiter = _sniff_delimiter(text[: end if end >= 0 else len(text)])
    columns = _check_header(_header(text, delimiter, rel), rel)
    if encoding == "utf-8":
        return _Sniffed(rel, str(path), delimiter, columns, False)
    tmp = tempfile.NamedTemporaryFile("w", encoding="utf-8", suffix=".csv", delete=False, newline="")
    tmp.write(text)
    tmp.close()
    return _Sniffed(rel, tmp.name, delimiter, columns, True)


def _read_csv(members: list[_Sniffed], delimiter: str, n_columns: int, parallel: bool = True,
              integers=frozenset()) -> str:
    """The one `read_csv` of a group of files under the file rules: columns c0, c1, ... of text
    (INTEGER for the positions in `integers`), no sniffing, strict fields, DuckDB's line limit;
    `filename` names each row's file."""
    paths = "[" + ", ".join(_literal(m.path) for m in members) + "]"
    positional = "{" + ", ".join(f"'c{i}': '{'INTEGER' if i in integers else 'VARCHAR'}'" for i in range(n_columns)) + "}"
    return (f"""read_csv({paths}, delim={_literal(delimiter)}, header=true, quote='"', escape='"', columns={positional},
                          filename=true, auto_detect=false, strict_mode=true, null_padding=false, parallel={str(parallel).lower()},
                          max_line_size={MAX_LINE})""")


def _cleaned(columns: list[str]) -> str:
    """The file's columns by name, trimmed, blank = null."""
    return ", ".join(f"nullif(trim(c{i}), '') as {_quote(c)}" for i, c in enumerate(columns))


def _file_map(con, members: list[_Sniffed]) -> str:
    """A temp table (path, rel) of the group's files; its name."""
    name = f"_file_map_{next(_counter)}"
    con.execute(f"create or replace temp table {name} (path varchar, rel varchar)").fetchall()
    con.executemany(f"insert into {name} values (?, ?)", [(m.path, m.rel) for m in members])
    return name


def _read_csv_group(con, columns: list[str], delimiter: str, members: list[_Sniffed]) -> LoadedTable:
    name = f"_file_{next(_counter)}"
    file_map = _file_map(con, members)
    # row_number() over () follows the scan order (single-threaded per file, files in list
    # order); a file's first data row is its line 2.
    con.execute(
        f"""create or replace temp table {name} as
        with scanned as materialized (
            select filename as _path, row_number() over () as _n, *
            from {_read_csv(members, delimiter, len(columns), parallel=False)}),
        -- each file's first row by a grouping (a partitioned window sorted ~20 % slower)
        first_rows as (select _path, min(_n) as _first from scanned group by _path)
        select m.rel as _file, (_n - _first + 2)::bigint as _row, {_cleaned(columns)}
        from scanned join first_rows using (_path) join {file_map} m on m.path = scanned._path""").fetchall()
    n = con.execute(f"select count(*) from {name}").fetchall()[0][0]
    return LoadedTable(name, columns, tuple(m.rel for m in members), n)


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
            raise FileRuleError(file, "header", f"column name {shown_value(c)} has characters a column name cannot have (wrong delimiter?)", row=1, column=c)
        if c in seen:
            raise FileRuleError(file, "duplicate_column", f"column {shown_value(c)} appears twice (names are compared case-insensitively)", row=1, column=c)
        seen.add(c)
    return columns


def _cell_text(value, _numbers: dict = {}) -> str | None:  # noqa: B006 - a cache of number texts
    """An xlsx cell as the text a CSV file would hold: a whole number without its `.0`, any other
    number, date or time as Python writes it, trimmed; an empty cell is None."""
    if type(value) is float:
        text = _numbers.get(value)
        if text is None:
            text = str(int(value)) if value.is_integer() else str(value)
            if len(_numbers) < 100_000:
                _numbers[value] = text
        return text
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        value = _dt.datetime(value.year, value.month, value.day)
    text = (value if isinstance(value, str) else str(value)).strip()
    return text or None


def _load_xlsx(con, path: Path, file: str, name: str) -> LoadedTable:
    """The first sheet of an xlsx file into a temp table, every cell as text (as `read` gives a CSV
    file's). python-calamine's rows, a column at a time, into a DuckDB table without pandas'
    reader between (a national Medborgarundersokning file ~0.04 s against ~0.09 s). A row whose
    cells are all empty is no respondent and is left out; the others keep their line in the
    sheet as `_row`."""
    import pandas as pd
    from python_calamine import CalamineWorkbook

    try:
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python(skip_empty_area=False)
    except Exception as e:  # the reader raises many kinds for broken files
        raise FileRuleError(file, "parse", f"cannot read the xlsx file: {type(e).__name__}: {shown_value(str(e), 200)}") from None
    if not rows:
        raise FileRuleError(file, "empty_file", "the file is empty (no header row)", row=1)
    columns = _check_header([_cell_text(c) or "" for c in rows[0]], file)
    width = len(rows[0])  # the sheet's used range: every row as wide (padded should one not be)
    body = [r if len(r) == width else (list(r) + [""] * width)[:width] for r in rows[1:]]
    values = [[_cell_text(v) for v in column] for column in zip(*body)] or [[] for _ in columns]
    kept = [i for i, cells in enumerate(zip(*values)) if any(c is not None for c in cells)]
    if len(kept) < len(rows) - 1:  # rows with every cell empty
        values = [[column[i] for i in kept] for column in values]
    frame = pd.DataFrame({"_file": [file] * len(kept), "_row": [i + 2 for i in kept], **dict(zip(columns, values))}, dtype=object)
    con.register(f"{name}_df", frame)
    try:
        typed = ", ".join(f"{_quote(c)}::varchar as {_quote(c)}" for c in columns)
        con.execute(f"create or replace temp table {name} as select _file::varchar as _file, _row::bigint as _row, {typed} "
                    f"from {name}_df").fetchall()
    finally:
        con.unregister(f"{name}_df")
    return LoadedTable(name, columns, (file,), len(kept))


def decimal(expr: str) -> str:
    """SQL that casts a VARCHAR holding a number with a decimal point or comma to DOUBLE (NULL if not a number)."""
    return f"try_cast(replace({expr}, ',', '.') as double)"
