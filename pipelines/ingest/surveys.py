"""Raw loaders for the organisation tree, question catalogues and survey answer files.

Each loader reads one year's files of one source under the file rules (`files.py`), checks the
contract's blocking rules set-based in DuckDB, records every finding in an `IssueLog`, and lands
the rows in the build database's `raw` schema. Files that break a rule are still reported in full
(all rules, up to `MAX_PER_RULE` rows each), so the analyst can fix everything in one go.
"""
from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import duckdb

from .. import config
from . import rawfiles
from .files import CsvGroup, LoadedTable, csv_groups, decimal, load_table, load_tables
from .issues import FileRuleError, IssueLog, clean, shown_value

MAX_PER_RULE = 20
MAX_COLUMN_ISSUES = 10  # unknown columns named one by one; the rest are counted

ORG_TYPES = ("kommun", "namnd", "styrelse", "forvaltning", "bolag", "forbund", "verksamhet", "enhet", "arbetsplats")
KON = ("K", "M")
ALDERSGRUPPER = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84")
ENKATER = ("uppdragsgivare", "mottagare")

# Base columns of each answer file: (required, optional). The catalogue's columns come on top.
ANSWER_COLUMNS = {
    "medborgarundersokning": (("lopnr",), ("kon", "aldersgrupp", "vikt")),
    "medarbetarenkat": (("svarsid", "enhet"), ("kon", "kommentar")),
    "intern_enkat": (("svarsid", "enkat", "respondentgrupp", "enhet"), ("kommentar",)),
}
ID_COLUMN = {"medborgarundersokning": "lopnr", "medarbetarenkat": "svarsid", "intern_enkat": "svarsid"}

SCALE_RE = re.compile(r"^1-(\d+)$")
CODE_RE = re.compile(r"^[A-Za-z0-9_]+$")
KOMMUN_FILE_RE = re.compile(r"^(\d{4})\.(csv|xlsx)$", re.IGNORECASE)


rel = rawfiles.rel


def sql_list(values) -> str:
    return "(" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + ")"


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def rows(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def check_rows(con, log: IssueLog, table: LoadedTable, column: str | None, rule: str, condition: str, message: str) -> int:
    """Record an issue for each row of `table` where `condition` holds (up to MAX_PER_RULE per
    file, then a count). `message` may use {value} (the cell, cut to 60 characters). Returns the
    number of rows."""
    value = f"left({q(column)}, 61)" if column else "null"
    found = rows(con, f"""select _file, _row, {value}::varchar, count(*) over (partition by _file) as n_file,
                                 row_number() over (partition by _file order by _row) as k
                          from {table.name} where {condition} qualify k <= {MAX_PER_RULE} order by _file, _row""")
    for file, row, val, n_file, k in found:
        log.add(file, row, column, rule, message.format(value=val if val is None or len(val) <= 60 else val[:59] + "…"))
        if k == MAX_PER_RULE and n_file > MAX_PER_RULE:
            log.add(file, None, column, rule, f"... and {n_file - MAX_PER_RULE} more rows breaking the same rule")
    return len(found)


def header_check(log: IssueLog, required, optional, extra_allowed=()):
    """`check_columns` on a file's header before its rows are read (files.load_tables' accept)."""
    return lambda file, columns: check_columns(log, LoadedTable("", list(columns), (file,), 0), required, optional, extra_allowed)


def check_columns(log: IssueLog, table: LoadedTable, required, optional, extra_allowed=()) -> bool:
    ok = True
    found = ", ".join(clean(c, 40) for c in table.columns[:MAX_COLUMN_ISSUES])
    if len(table.columns) > MAX_COLUMN_ISSUES:
        found += f", ... ({len(table.columns)} columns in all)"
    for c in required:
        if c not in table.columns:
            log.add(table.file, 1, c, "required_column", f"required column {c!r} is missing (columns found: {found})")
            ok = False
    allowed = set(required) | set(optional) | set(extra_allowed)
    unknown = [c for c in table.columns if c not in allowed]
    for c in unknown[:MAX_COLUMN_ISSUES]:
        log.add(table.file, 1, c, "unknown_column", f"unknown column {shown_value(c)}: not in the contract" + (" nor in the question catalogue" if extra_allowed else ""))
    if len(unknown) > MAX_COLUMN_ISSUES:
        log.add(table.file, 1, None, "unknown_column", f"... and {len(unknown) - MAX_COLUMN_ISSUES} more unknown columns (not named here)")
    return ok and not unknown


def kommun_files(folder: Path, log: IssueLog, root: Path, extensions=(".csv", ".xlsx")) -> list[tuple[str, Path]]:
    """The `<kommunkod>.<ext>` files of a year folder; anything else is reported, and so is a
    file that may not be read (rawfiles.refusal: a link out of the raw directory, a link loop, a
    name that is not UTF-8)."""
    out = []
    if not folder.is_dir():
        return out
    for path in rawfiles.entries(folder):
        if path.is_dir():  # a sub-folder (or a link to one) holds no file of the year
            continue
        if path.name.lower() == "fragor.csv":
            continue
        refused = rawfiles.refusal(path, root)
        if refused:
            log.from_error(refused)
            continue
        m = KOMMUN_FILE_RE.match(path.name)
        if not m or path.suffix.lower() not in extensions:
            log.add(rel(path, root), None, None, "file_name", "unexpected file: expected <kommunkod>.csv or .xlsx (4 digits)")
            continue
        if m.group(1) not in config.kommun_codes():
            log.add(rel(path, root), None, None, "kommunkod", f"{m.group(1)} is not a Swedish municipality code")
            continue
        out.append((m.group(1), path))
    codes = [c for c, _ in out]
    for c in {c for c in codes if codes.count(c) > 1}:
        log.add(rel(folder, root), None, None, "duplicate_file", f"municipality {c} has more than one file (csv and xlsx?)")
        out = [(k, p) for k, p in out if k != c]
    return out


# ---------------------------------------------------------------- organisation

def load_organisation(con, root: Path, year: int, log: IssueLog) -> int:
    """Land every municipality's unit tree of `year`. Files of one shape are read by one scan and
    each rule is one query over all of them (per file: ids unique, parents in the same file, one
    root, no cycle), so a national year costs a handful of queries, not hundreds."""
    con.execute("delete from raw.organisation where year = ?", [year]).fetchall()
    files = kommun_files(root / "organisation" / str(year), log, root, extensions=(".csv", ".xlsx"))
    kommun_of = {rel(path, root): kod for kod, path in files}
    columns = (("enhet", "namn", "typ"), ("overordnad",))
    tables, errors = load_tables(con, [(path, rel(path, root)) for _, path in files], accept=header_check(log, *columns))
    for e in errors:
        log.from_error(e)
    n = 0
    for t in tables:
        # a CSV file's header was checked before it was read (it passes again silently); xlsx here
        ok_files = [f for f in t.files if check_columns(log, dataclasses.replace(t, files=(f,)), *columns)]
        if not ok_files:
            continue
        if "overordnad" not in t.columns:
            con.execute(f"alter table {t.name} add column overordnad varchar").fetchall()
        check_rows(con, log, t, "enhet", "required_value", "enhet is null", "the unit code is blank")
        check_rows(con, log, t, "enhet", "unique_id", f"(_file, enhet) in (select (_file, enhet) from {t.name} group by all having count(*) > 1)", "unit code {value} appears more than once")
        check_rows(con, log, t, "namn", "required_value", "namn is null", "the unit has no name")
        check_rows(con, log, t, "typ", "allowed_value", f"typ is null or typ not in {sql_list(ORG_TYPES)}", "typ {value!r} is not one of " + ", ".join(ORG_TYPES))
        check_rows(con, log, t, "overordnad", "unknown_parent",
                   f"overordnad is not null and not exists (select 1 from {t.name} p where p._file = {t.name}._file and p.enhet = {t.name}.overordnad)",
                   "parent unit {value} does not exist in this file")
        check_rows(con, log, t, "overordnad", "self_parent", "overordnad = enhet", "unit {value} is its own parent")
        for file, n_roots, first_extra, names in rows(con, f"""
                select _file, count(*) filter (where overordnad is null),
                       (list(_row order by _row) filter (where overordnad is null))[2],
                       string_agg(enhet, ', ' order by _row) filter (where overordnad is null)
                from {t.name} group by _file having count(*) filter (where overordnad is null) <> 1 order by _file"""):
            shown = ", ".join((names or "").split(", ")[:10])
            log.add(file, first_extra, "overordnad", "one_root",
                    f"the tree must have exactly one root (a unit with blank overordnad); found {n_roots}" + (f": {shown}" if shown else ""))
        # every unit must be reachable from its file's root: what is not sits on a cycle
        sound = [f for f in ok_files if f not in {i.file for i in log.errors}]
        if sound:
            con.execute("create or replace temp table _sound_files (file varchar)").fetchall()
            con.executemany("insert into _sound_files values (?)", [(f,) for f in sound])
            unreachable = rows(con, f"""
                with recursive tree(_file, enhet) as (
                    select _file, enhet from {t.name} where overordnad is null and _file in (select file from _sound_files)
                    union
                    select c._file, c.enhet from {t.name} c join tree p on c._file = p._file and c.overordnad = p.enhet)
                select _file, _row, enhet from {t.name} u
                where _file in (select file from _sound_files)
                  and not exists (select 1 from tree where tree._file = u._file and tree.enhet = u.enhet)
                qualify row_number() over (partition by _file order by _row) <= {MAX_PER_RULE}
                order by _file, _row""")
            for file, row, enhet in unreachable:
                log.add(file, row, "overordnad", "tree", f"unit {enhet} is not under the root: its parents form a cycle")
        landed = [f for f in ok_files if f not in {i.file for i in log.errors}]
        if not landed:
            continue
        con.execute("create or replace temp table _landed_files (file varchar, kommunkod varchar)").fetchall()
        con.executemany("insert into _landed_files values (?, ?)", [(f, kommun_of[f]) for f in landed])
        con.execute(f"""insert into raw.organisation
            select ?, l.kommunkod, enhet, namn, overordnad, typ, _file, _row
            from {t.name} join _landed_files l on l.file = {t.name}._file""", [year]).fetchall()
        n += con.execute(f"select count(*) from {t.name} where _file in (select file from _landed_files)").fetchall()[0][0]
    return n


# ---------------------------------------------------------------- catalogue and answers

def load_catalogue(con, root: Path, source: str, year: int, log: IssueLog) -> dict[str, tuple[str, int]] | None:
    """Land `<source>/<year>/fragor.csv`; return {kolumn: (matt, max valid code + 1 = 'vet ej' code)} or None if refused."""
    path = root / source / str(year) / "fragor.csv"
    file = rel(path, root)
    con.execute("delete from raw.question where source = ? and year = ?", [source, year]).fetchall()
    if not os.path.lexists(path):
        log.add(file, None, None, "missing_file", f"the question catalogue {file} is missing: answer files cannot be read without it")
        return None
    refused = rawfiles.refusal(path, root)
    if refused:
        log.from_error(refused)
        return None
    columns = (("kolumn", "matt", "text", "skala"), ("grupp",))
    try:
        t = load_table(con, path, file, accept=header_check(log, *columns))
    except FileRuleError as e:
        log.from_error(e)
        return None
    if t is None or not check_columns(log, t, *columns):
        return None
    if "grupp" not in t.columns:
        con.execute(f"alter table {t.name} add column grupp varchar").fetchall()
    con.execute(f"update {t.name} set kolumn = lower(kolumn)").fetchall()
    bad = 0
    bad += check_rows(con, log, t, "kolumn", "required_value", "kolumn is null", "the answer file column is blank")
    bad += check_rows(con, log, t, "kolumn", "unique_id", f"kolumn in (select kolumn from {t.name} group by 1 having count(*) > 1)", "column {value} is listed twice")
    bad += check_rows(con, log, t, "matt", "required_value", "matt is null", "the measure code is blank")
    bad += check_rows(con, log, t, "matt", "unique_id", f"matt in (select matt from {t.name} group by 1 having count(*) > 1)", "measure code {value} is used twice")
    bad += check_rows(con, log, t, "matt", "code_format", "not regexp_full_match(matt, '[A-Za-z0-9_]+')", "measure code {value!r} may only hold letters, digits and _")
    bad += check_rows(con, log, t, "skala", "scale", "skala is null or not (skala = 'verbal4' or (regexp_full_match(skala, '1-[0-9]+') and try_cast(split_part(skala, '-', 2) as integer) between 4 and 10))",
                      "scale {value!r} is neither 1-K (K from 4 to 10) nor verbal4")
    bad += check_rows(con, log, t, "grupp", "code_format", "grupp is not null and not regexp_full_match(replace(grupp, ' ', ''), '[A-Za-z0-9_]+(,[A-Za-z0-9_]+)*')", "group codes {value!r} must be comma-separated codes")
    bad += check_rows(con, log, t, "grupp", "group_code_clash", f"grupp is not null and exists (select 1 from {t.name} o, unnest(string_split(replace({t.name}.grupp, ' ', ''), ',')) g(code) where o.matt = g.code)",
                      "a group code in {value!r} is also a question's measure code")
    if not bad:
        mixed = rows(con, f"""
            with g as (select trim(code) as code, case when skala = 'verbal4' then 'procent' else 'index' end as unit, _row
                       from {t.name}, unnest(string_split(grupp, ',')) u(code) where grupp is not null),
            first as (select code, arg_min(unit, _row) as unit from g group by code)
            select g.code, min(g._row) from g join first f using (code) where g.unit <> f.unit group by g.code order by 2, 1""")
        for code, row in mixed:
            log.add(file, row, "grupp", "group_unit", f"group {code} mixes questions in index and procent (1-K and verbal4): its mean would mix units")
            bad += 1
    if bad:
        return None
    con.execute(f"""insert into raw.question
        select ?, ?, kolumn, matt, text, skala, nullif(replace(grupp, ' ', ''), ''), ?, _row from {t.name}""", [source, year, file]).fetchall()
    return {k: (m, 5 if s == "verbal4" else int(s.split("-")[1]) + 1) for k, m, s in rows(con, f"select kolumn, matt, skala from {t.name}")}


def answer_rules(t: str, columns: list[str], questions: list[str], catalogue, id_col: str, year: int) -> list[tuple]:
    """The contract's row rules of an answer table `t` (a temp table or a scan's alias), each once:
    (column, rule, condition, message) as `check_rows` takes them. The conditions may name `t`
    (the unique id, the unit in the year's tree) and `_kommun_of` (file -> kommunkod)."""
    rules = [(id_col, "required_value", f"{id_col} is null", "the respondent id is blank"),
             (id_col, "unique_id", f"(_file, {id_col}) in (select (_file, {id_col}) from {t} group by all having count(*) > 1)",
              "respondent id {value} appears more than once")]
    if "kon" in columns:
        rules.append(("kon", "allowed_value", f"kon is not null and kon not in {sql_list(KON)}", "kon {value!r} is not K, M or blank"))
    if "aldersgrupp" in columns:
        rules.append(("aldersgrupp", "allowed_value", f"aldersgrupp is not null and aldersgrupp not in {sql_list(ALDERSGRUPPER)}",
                      "aldersgrupp {value!r} is not one of " + ", ".join(ALDERSGRUPPER) + " or blank"))
    if "enkat" in columns:
        rules.append(("enkat", "allowed_value", f"enkat is null or enkat not in {sql_list(ENKATER)}", "enkat {value!r} is not uppdragsgivare or mottagare"))
    if "vikt" in columns:
        rules.append(("vikt", "not_finite", f"vikt is not null and not isfinite({decimal('vikt')})", "weight {value!r} is not a finite number"))
        rules.append(("vikt", "weight", f"vikt is not null and coalesce({decimal('vikt')}, 0) <= 0 and coalesce(isfinite({decimal('vikt')}), true)",
                      "weight {value!r} is not a number > 0"))
    if "enhet" in columns:
        rules.append(("enhet", "required_value", "enhet is null", "the unit is blank"))
        rules.append(("enhet", "unknown_unit",
                      f"""enhet is not null and not exists (
                            select 1 from raw.organisation o join _kommun_of k on k.kommunkod = o.kommunkod
                            where o.year = {year} and k._file = {t}._file and o.enhet = {t}.enhet)""",
                      f"unit {{value}} is not in that municipality's organisation tree for {year}"))
    # an answer such as inf, NaN or 1e309 is a number that is not finite (the double cast runs
    # only on the rare cells that are not whole numbers)
    for c in questions:
        rules.append((c, "not_finite", f"try_cast({q(c)} as integer) is null and not isfinite({decimal(q(c))})",
                      "answer {value!r} is a number that is not finite"))
    for c in questions:
        top = catalogue[c][1]
        rules.append((c, "answer_scale", f"{q(c)} is not null and (try_cast({q(c)} as integer) is null or try_cast({q(c)} as integer) not between 1 and {top})"
                                         f" and coalesce(isfinite({decimal(q(c))}), true)",
                      f"answer {{value!r}} is outside the scale (1..{top}, {top} = vet ej)"))
    return rules


def load_answers(con, root: Path, source: str, year: int, log: IssueLog) -> int:
    """Land every municipality's answer file of `source` for `year`, aggregated per cell.

    Files of one shape are read, checked and landed together. The usual case, files that keep
    every rule, costs one streamed scan (an xlsx file: one scan of the table it was read into):
    it types the rows for landing and marks any row that breaks a rule (`_bad`). Only a group
    with a marked row, a repeated id or a file that does not parse is read again with row numbers
    and checked rule by rule (`check_rows`), naming file, row and column, so a national year
    costs a few scans, not one per file or rule.
    What lands is one row per group of respondents with the same municipality, unit and
    background (raw.respondent_group, numbered `grp` within the source and year) and one per
    (group, question) with the count and sums of its valid answers (raw.answer_sum, see
    `_land_rows`): the models' input, without one person's answers."""
    con.execute("delete from raw.answer_sum where source = ? and year = ?", [source, year]).fetchall()
    con.execute("delete from raw.respondent_group where source = ? and year = ?", [source, year]).fetchall()
    folder = root / source / str(year)
    listed_before = len(log.issues)
    files = kommun_files(folder, log, root)
    if not files:
        if folder.is_dir() and len(log.issues) == listed_before:
            log.add(rel(folder, root), None, None, "missing_file", "the folder holds no answer file")
        return 0
    catalogue = load_catalogue(con, root, source, year, log)
    if catalogue is None:
        return 0
    required, optional = ANSWER_COLUMNS[source]
    id_col = ID_COLUMN[source]
    kommun_of = {rel(path, root): kod for kod, path in files}
    con.execute("create or replace temp table _kommun_of (_file varchar, kommunkod varchar)").fetchall()
    con.executemany("insert into _kommun_of values (?, ?)", list(kommun_of.items()))
    n = 0
    with csv_groups(con, [(path, rel(path, root)) for _, path in files],
                    accept=header_check(log, required, optional, extra_allowed=catalogue)) as (found, errors):
        for e in errors:
            log.from_error(e)
        # a CSV file's header was checked before it was read (header_check); an xlsx file's here
        found = _union_tables(con, [t for t in found if not isinstance(t, LoadedTable)
                                    or check_columns(log, t, required, optional, extra_allowed=catalogue)])
        for t in found:
            questions = [c for c in t.columns if c in catalogue]
            if not questions:
                for f in t.files:
                    log.add(f, 1, None, "required_column", "the file has none of the catalogue's question columns")
                continue
            # CSV files streamed from disk, the answers parsed as integers by the reader (if a
            # cell is no integer, the scan fails and the text is read); an xlsx file from the
            # table it was read into
            if isinstance(t, CsvGroup):
                kept = _typed_rows(con, t.scan_sql(con, integers=questions), t.columns, questions, catalogue, id_col, year)
                if kept is None:
                    kept = _typed_rows(con, t.scan_sql(con), t.columns, questions, catalogue, id_col, year)
            else:
                kept = _typed_rows(con, f"select * exclude (_row) from {t.name}", t.columns, questions, catalogue, id_col, year)
            if kept:
                n += _land_rows(con, source, year, t.columns, questions, catalogue)
                continue
            tables = [t]
            if isinstance(t, CsvGroup):  # a rule is broken (or a file does not parse): name the rows
                tables, failed = t.read(con)
                for e in failed:
                    log.from_error(e)
            for table in tables:
                n += _check_and_land(con, log, source, year, table, questions, catalogue, id_col)
    return n


def _union_tables(con, found: list) -> list:
    """The xlsx files of one header as one table (as CSV files of one header are one group), so
    they are checked and landed together: each xlsx file on its own cost ~0.1 s of fixed
    statements (a national Medborgarundersokning year has up to six)."""
    out, first_of = [], {}
    for t in found:
        key = tuple(t.columns) if isinstance(t, LoadedTable) else None
        if key is None or key not in first_of:
            if key is not None:
                first_of[key] = len(out)
            out.append(t)
            continue
        head = out[first_of[key]]
        con.execute(f"insert into {head.name} select * from {t.name}; drop table {t.name}").fetchall()
        out[first_of[key]] = LoadedTable(head.name, head.columns, head.files + t.files, head.n_rows + t.n_rows)
    return out


def _typed_rows(con, scan: str, columns: list[str], questions: list[str], catalogue, id_col: str, year: int) -> bool | None:
    """Stream `scan` once into `_rows` (the landing's typed rows) and say whether every row keeps
    every rule: True, False (and no `_rows`) if a rule is broken, None (and no `_rows`) if the
    scan fails (a file does not parse, or a cell is not of the scan's type)."""
    rules = answer_rules("src", columns, questions, catalogue, id_col, year)
    # the answer columns' two rules (not_finite, answer_scale) break together exactly where a
    # non-blank answer is not a whole number in 1..top: that one test on the typed value here,
    # instead of both rules' text tests (half the scan's time); the others as written
    row_rules = [cond for column, rule, cond, _ in rules if rule != "unique_id" and column not in questions]
    row_rules += [f"src.{q(c)} is not null and coalesce(try_cast(src.{q(c)} as integer) not between 1 and {catalogue[c][1]}, true)"
                  for c in questions]
    bad = " or ".join(f"coalesce(({cond}), false)" for cond in row_rules)
    try:
        con.execute(f"""create or replace temp table _rows as
            with src as ({scan})
            select {_typed_columns(columns, questions, 'src.')}, src._file, src.{q(id_col)} as _id, {bad} as _bad
            from src join _kommun_of k using (_file)""").fetchall()
    except duckdb.Error:
        con.execute("drop table if exists _rows").fetchall()
        return None
    broken = rows(con, f"""select (select count(*) from _rows where _bad)
                                + (select count(*) from (select 1 from _rows where _id is not null group by _file, _id having count(*) > 1))""")[0][0]
    if broken:
        con.execute("drop table _rows").fetchall()
        return False
    return True


def _typed_columns(columns: list[str], questions: list[str], prefix: str = "") -> str:
    """The landing's typed columns of an answer table's rows: municipality, background, weight and
    answer codes (blank = null)."""
    def col(name, expr=None):
        return (expr or prefix + q(name)) if name in columns else "null"
    return (f"k.kommunkod, {col('enhet')} as enhet, {col('kon')} as kon, {col('aldersgrupp')} as aldersgrupp, "
            f"{col('enkat')} as enkat, {col('respondentgrupp')} as respondentgrupp, "
            f"{col('vikt', decimal(prefix + 'vikt'))} as vikt, "
            + ", ".join(f"try_cast({prefix}{q(c)} as integer) as {q(c)}" for c in questions))


def _check_and_land(con, log: IssueLog, source: str, year: int, t: LoadedTable, questions: list[str], catalogue, id_col: str) -> int:
    """Check a read table (row numbers) rule by rule, then land the files without findings."""
    rules = answer_rules(t.name, t.columns, questions, catalogue, id_col, year)
    not_finite = [r for r in rules if r[1] == "not_finite" and r[0] in questions]
    # whether any file of the group has an answer that is not finite: one scan, and only then
    # each column is asked
    if not rows(con, f"select 1 from {t.name} where " + " or ".join(r[2] for r in not_finite) + " limit 1"):
        rules = [r for r in rules if r not in not_finite]
    for column, rule, condition, message in rules:
        check_rows(con, log, t, column, rule, condition, message)
    # a file with any finding is not landed; the others of its group are
    con.execute("create or replace temp table _bad_files (file varchar)").fetchall()
    bad_files = [(f,) for f in {i.file for i in log.errors} if f in t.files]
    if bad_files:
        con.executemany("insert into _bad_files values (?)", bad_files)
    con.execute(f"""create or replace temp table _rows as
        select {_typed_columns(t.columns, questions)}
        from {t.name} join _kommun_of k using (_file) where _file not in (select file from _bad_files)""").fetchall()
    return _land_rows(con, source, year, t.columns, questions, catalogue)


def _land_rows(con, source: str, year: int, columns: list[str], questions: list[str], catalogue) -> int:
    """Land `_rows` (the checked rows, typed): their groups of respondents, numbered, and per
    group and question the sums of its valid answers, in one grouping of the wide rows.

    A valid answer is a code 1..K of the question's scale (K + 1, "vet ej", and a blank are
    none; the file rules have refused anything else). Per (group, question) lands n (valid
    answers), sw = sum(w), sw_answer = sum(w a), sw_answer2 = sum(w a^2), sw_top2 = sum(w) over
    the answers 1-2, sw2 = sum(w^2) (a = the answer code, w = vikt, 1 where the file has none,
    as an exact decimal): statistics of the codes, not of a measure; which of them a measure
    reads (the code, or the top two boxes of verbal4) is int_survey__answer_stats' choice.
    The sums are taken straight from the wide rows, one aggregate per question column: no
    answer is unpivoted (a national staff year's 24 million answers were, 2.0 s against 0.5 s),
    and the group's respondents are counted in the same pass."""
    background = "kommunkod, enhet, kon, aldersgrupp, enkat, respondentgrupp"
    weighted = "vikt" in columns
    # each question's valid code, null for vet ej (the code K + 1) and blanks; an aggregate over
    # a null-propagating expression skips the answers that are not valid without a FILTER
    # clause per aggregate (3x slower over ~30 questions)
    answers = ", ".join(f"nullif({q(c)}, {catalogue[c][1]}) as a{i}" for i, c in enumerate(questions))
    if weighted:
        # w to 10 decimals, exact (the decimal cast rounds as always), summed as the integer
        # W = w * 10^10: W a^2 in 64 bits when w a^2 < 9 * 10^8 for the top code a (w < 9 * 10^6
        # on a 1-10 scale), W^2 in 128; sum() adds them in 128 bits and the landing gives the
        # sums their scale back (10^-10, 10^-20), exact. Integer sums are ~1.5x faster than
        # decimal ones (w a is decimal(28, 10), held in 128 bits; a national
        # Medborgarundersokning year's grouping 0.36 s against 0.53 s). A larger weight sums as
        # decimal(38, 10) (the same numbers).
        top = max(catalogue[c][1] - 1 for c in questions)
        big = con.execute("select coalesce(max(vikt) * ? >= 9e8, false) from _rows", [top * top]).fetchall()[0][0]
        w = ("coalesce(vikt, 1.0)::decimal(38, 10)" if big
             else "(coalesce(vikt, 1.0)::decimal(18, 10)::decimal(38, 10) * 10000000000)::bigint")
        w2 = "w * w" if big else "w::hugeint * w"
        src = f"(select {background}, vikt, w, {w2} as w2, {answers} from (select *, {w} as w from _rows))"
        sums = [f"sum(w + a{i} * 0) as sw{i}, sum(w * a{i}) as sa{i}, sum(w * (a{i} * a{i})) as sa2_{i}, "
                f"sum(w * (a{i} <= 2)::int) as st{i}, sum(w2 + a{i} * 0) as sw2_{i}, count(a{i}) as n{i}"
                for i in range(len(questions))]
        values = "n, sw, sw_answer, sw_answer2, sw_top2, sw2"
        cols = "(n{i}, sw{i}, sa{i}, sa2_{i}, st{i}, sw2_{i})"
        # every sum of a landed row is a number (n > 0 below)
        landed = values if big else ("n, " + ", ".join(f"{v}::decimal(38, 0) * 1e-10::decimal(11, 10)" for v in ("sw", "sw_answer", "sw_answer2", "sw_top2"))
                                     + ", sw2::decimal(38, 0) * 1e-20::decimal(21, 20)")
    else:  # w = 1: every sum of weights is a count
        src = f"(select {background}, vikt, {answers} from _rows)"
        sums = [f"count(a{i}) as n{i}, sum(a{i}) as sa{i}, sum(a{i} * a{i}) as sa2_{i}, count_if(a{i} <= 2) as st{i}"
                for i in range(len(questions))]
        values = "n, sw_answer, sw_answer2, sw_top2"
        cols = "(n{i}, sa{i}, sa2_{i}, st{i})"
        landed = "n, n, sw_answer, sw_answer2, sw_top2, n"
    con.execute(f"""create or replace temp table _groups as
        select (select coalesce(max(grp), 0) from raw.respondent_group where source = $source and year = $year)
                   + row_number() over (order by {background}) as grp, *
        from (select {background}, count(*) as respondents, min(vikt) as vikt_min, {", ".join(sums)}
              from {src} group by {background})""", {"source": source, "year": year}).fetchall()
    con.execute(f"""insert into raw.respondent_group
        select $source, $year, grp, {background}, respondents, vikt_min from _groups""", {"source": source, "year": year}).fetchall()
    on = ", ".join(cols.format(i=i) + " as " + q(c) for i, c in enumerate(questions))
    con.execute(f"""insert into raw.answer_sum
        select $source, $year, grp, kolumn, {landed}
        from (unpivot _groups on {on} into name kolumn value {values})
        where n > 0""", {"source": source, "year": year}).fetchall()
    n = con.execute("select coalesce(sum(respondents), 0) from _groups").fetchall()[0][0]
    con.execute("drop table _rows; drop table _groups").fetchall()
    return n
