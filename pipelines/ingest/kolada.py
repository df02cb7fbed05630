"""Raw loader for Kolada API data responses (`kolada/*.json`) and the optional `kolada/kpi.json`.

Every Kolada file may hold any years; a year's load takes the values whose `period` is that year.
A file that cannot be parsed at all fails every year (nobody can tell which years it held).

Python's JSON parser accepts NaN, Infinity and -Infinity and turns a literal too large for a
double (`1e309`) into infinity: such a value is refused (`not_finite`), and so is an object or a
list where a number or text belongs (`wrong_type`), naming the entry's line and the field.
"""
from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

import pandas as pd

from .. import config
from . import rawfiles
from .issues import IssueLog, clean, shown_value
from .surveys import MAX_PER_RULE, rel

GENDERS = ("T", "K", "M")


def kolada_files(root: Path) -> list[Path]:
    """Every `kolada/*.json` but kpi.json, readable or not (see `readable_kolada_files`)."""
    folder = root / "kolada"
    if not folder.is_dir():
        return []
    return [p for p in rawfiles.entries(folder) if p.name.endswith(".json") and p.name != "kpi.json"]


def readable_kolada_files(root: Path) -> list[Path]:
    """The Kolada files that may be read (the Kolada load reports the others)."""
    return [p for p in kolada_files(root) if rawfiles.readable(p, root)]


def _parse_int(literal: str):
    """An integer literal: an int, or a float when it is too long to be one sensibly (a literal
    of more than 4,300 digits would raise in int(); one past a double's range becomes inf)."""
    return int(literal) if len(literal) <= 18 else float(literal)


def loads(text: str):
    """json.loads that turns every number into an int or a float, inf/nan included (checked later)."""
    return json.loads(text, parse_int=_parse_int)


def _kind(value) -> str | None:
    """What is wrong with a field that must hold a scalar: 'wrong_type', 'not_finite' or None."""
    if isinstance(value, (dict, list)):
        return "wrong_type"
    if isinstance(value, float) and not math.isfinite(value):
        return "not_finite"
    return None


def _type_message(field: str, value, what: str) -> str:
    if isinstance(value, (dict, list)):
        return f"{field} is {'an object' if isinstance(value, dict) else 'a list'}, where {what} belongs"
    return f"{field} {value} is a number that is not finite (NaN, Infinity or too large for a double)"


def _line_index(text: str, key: str = '"kpi"') -> list[int]:
    """Line number of each occurrence of `key`: the n-th data entry starts at the n-th one."""
    out, line, pos = [], 1, 0
    for m in re.finditer(re.escape(key) + r"\s*:", text):
        line += text.count("\n", pos, m.start())
        pos = m.start()
        out.append(line)
    return out


def read_file(path: Path, root: Path, log: IssueLog) -> list[dict] | None:
    file = rel(path, root)
    refused = rawfiles.refusal(path, root)
    if refused:
        log.from_error(refused)
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
        doc = loads(text)
    except UnicodeDecodeError as e:
        log.add(file, None, None, "encoding", f"a Kolada file must be UTF-8 JSON: {e}")
        return None
    except json.JSONDecodeError as e:
        log.add(file, e.lineno, None, "parse", f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})")
        return None
    except RecursionError:
        log.add(file, None, None, "parse", "not a Kolada data response: the JSON is nested too deeply")
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("values"), list):
        log.add(file, 1, "values", "kolada_shape", "not a Kolada data response: expected an object with a 'values' list")
        return None
    lines = _line_index(text)
    entries = []
    for i, entry in enumerate(doc["values"]):
        entry = dict(entry) if isinstance(entry, dict) else {"_bad": entry}
        entry["_row"] = lines[i] if i < len(lines) else None
        entries.append(entry)
    return entries


def load_kolada(con, root: Path, year: int, log: IssueLog) -> int:
    """Land the Kolada values of period `year` from every Kolada file."""
    con.execute("delete from raw.kolada_value where year = ?", [year]).fetchall()
    valid_codes = config.valid_area_codes()
    records = []
    for path in kolada_files(root):
        entries = read_file(path, root, log)
        if entries is None:
            continue
        file = rel(path, root)
        problems = 0

        def bad(row, column, rule, message):
            nonlocal problems
            problems += 1
            if problems <= MAX_PER_RULE:
                log.add(file, row, column, rule, message)

        for e in entries:
            if "_bad" in e:
                bad(None, "values", "kolada_shape", "an entry of 'values' is not an object")
                continue
            wrong = [(f, _kind(e.get(f))) for f in ("kpi", "municipality", "period") if _kind(e.get(f))]
            if wrong:
                field, rule = wrong[0]
                what = "a year" if field == "period" else "text"
                bad(e["_row"], field, rule, _type_message(field, e.get(field), what))
                continue
            period = e.get("period")
            if isinstance(period, str) and re.fullmatch(r"[0-9]{1,6}", period):
                period = int(period)
            if not isinstance(period, int) or isinstance(period, bool):
                bad(e["_row"], "period", "kolada_period", f"period {shown_value(period)} is not a year")
                continue
            if period != year:
                continue
            row, kpi, kod = e["_row"], e.get("kpi"), e.get("municipality")
            if not isinstance(kpi, str) or not re.fullmatch(r"[A-Z]\d{5}", kpi or ""):
                bad(row, "kpi", "kolada_kpi", f"kpi {shown_value(kpi)} is not a Kolada KPI id (like U00200)")
                continue
            if kod not in valid_codes:
                bad(row, "municipality", "kommunkod", f"municipality {shown_value(kod)} is neither a municipality, a region (00 + county) nor 0000")
                continue
            values = e.get("values")
            if not isinstance(values, list):
                bad(row, "values", "kolada_shape", "the entry has no 'values' list")
                continue
            seen = set()
            for v in values:
                if not isinstance(v, dict):
                    bad(row, "values", "kolada_shape", f"a value of {kpi} {kod} {period} is not an object")
                    continue
                wrong = [(f, _kind(v.get(f))) for f in ("gender", "value", "count", "status") if _kind(v.get(f))]
                if wrong:
                    field, rule = wrong[0]
                    what = "a number or null" if field in ("value", "count") else "text"
                    bad(row, field, rule, f"{kpi} {kod} {period}: " + _type_message(field, v.get(field), what))
                    continue
                gender = v.get("gender")
                if gender not in GENDERS:
                    bad(row, "gender", "kolada_gender", f"gender {shown_value(gender)} of {kpi} {kod} {period} is not T, K or M")
                    continue
                if gender in seen:
                    bad(row, "gender", "unique_id", f"{kpi} {kod} {period} has gender {gender} twice")
                    continue
                seen.add(gender)
                value = v.get("value")
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                    bad(row, "value", "kolada_value", f"value {shown_value(value)} of {kpi} {kod} {period} {gender} is not a number or null")
                    continue
                records.append((year, kpi, kod, gender, None if value is None else float(value), file, row))
        if problems > MAX_PER_RULE:
            log.add(file, None, None, "kolada", f"... and {problems - MAX_PER_RULE} more problems in this file")
    # the same KPI, municipality, period and gender delivered by two files
    df = pd.DataFrame.from_records(records, columns=["year", "kpi", "kommunkod", "gender", "value", "_file", "_row"])
    dups = df[df.duplicated(["kpi", "kommunkod", "gender"], keep="first")]
    for r in dups.head(MAX_PER_RULE).itertuples():
        log.add(r._6, r._7, "municipality", "unique_id", f"{r.kpi} {r.kommunkod} {year} {r.gender} is delivered more than once")
    if len(dups):
        return 0
    if len(df):
        con.register("_kolada_df", df)
        con.execute("insert into raw.kolada_value select * from _kolada_df").fetchall()
        con.unregister("_kolada_df")
    return len(df)


def load_kpi_titles(con, root: Path, log: IssueLog) -> int:
    """Replace raw.kpi from kolada/kpi.json (optional: without it a KPI's label is its id). A
    kpi.json that cannot be read fails the year and leaves the titles of the last good one, which
    every other year's labels still use."""
    path = root / "kolada" / "kpi.json"
    if not os.path.lexists(path):
        con.execute("delete from raw.kpi").fetchall()
        return 0
    file = rel(path, root)
    refused = rawfiles.refusal(path, root)
    if refused:
        log.from_error(refused)
        return 0
    try:
        text = path.read_text(encoding="utf-8-sig")
        values = loads(text)["values"]
        records = [(v["id"], v.get("title"), v.get("description")) for v in values]
    except (ValueError, KeyError, TypeError, RecursionError) as e:
        log.add(file, getattr(e, "lineno", None), None, "parse", f"kpi.json is not a Kolada /v2/kpi response: {type(e).__name__}: {e}")
        return 0
    lines = _line_index(text, '"id"')
    for i, record in enumerate(records):
        for field, value in zip(("id", "title", "description"), record):
            if not (isinstance(value, str) or (value is None and field != "id")):
                log.add(file, lines[i] if i < len(lines) else None, field, "wrong_type",
                        f"{field} of a KPI is {shown_value(value)}, where text belongs")
                return 0
    records = [tuple(clean(x) for x in r) for r in records]
    con.execute("delete from raw.kpi").fetchall()
    if records:
        con.executemany("insert into raw.kpi values (?, ?, ?)", records)
    return len(records)


def known_kpis(root: Path) -> set[str]:
    """Every KPI id of any year in the Kolada files (and kpi.json): what an indicator may point at."""
    ids: set[str] = set()
    for path in readable_kolada_files(root):
        ids.update(re.findall(r'"kpi"\s*:\s*"([A-Z]\d{5})"', path.read_text(encoding="utf-8-sig", errors="replace")))
    kpi = root / "kolada" / "kpi.json"
    if os.path.lexists(kpi) and rawfiles.readable(kpi, root):
        ids.update(re.findall(r'"id"\s*:\s*"([A-Z]\d{5})"', kpi.read_text(encoding="utf-8-sig", errors="replace")))
    return ids
