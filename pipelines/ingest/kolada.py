"""Raw loader for Kolada API data responses (`kolada/*.json`) and the optional `kolada/kpi.json`.

Every Kolada file may hold any years; a year's load takes the values whose `period` is that year.
A file that cannot be parsed at all fails every year (nobody can tell which years it held).
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd

from .. import config
from .issues import IssueLog
from .surveys import MAX_PER_RULE, rel

GENDERS = ("T", "K", "M")


def kolada_files(root: Path) -> list[Path]:
    folder = root / "kolada"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.json") if p.name != "kpi.json")


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
    try:
        text = path.read_text(encoding="utf-8-sig")
        doc = json.loads(text)
    except UnicodeDecodeError as e:
        log.add(file, None, None, "encoding", f"a Kolada file must be UTF-8 JSON: {e}")
        return None
    except json.JSONDecodeError as e:
        log.add(file, e.lineno, None, "parse", f"not valid JSON: {e.msg} (line {e.lineno}, column {e.colno})")
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
            period = e.get("period")
            if isinstance(period, str) and period.isdigit():
                period = int(period)
            if not isinstance(period, int):
                bad(e["_row"], "period", "kolada_period", f"period {period!r} is not a year")
                continue
            if period != year:
                continue
            row, kpi, kod = e["_row"], e.get("kpi"), e.get("municipality")
            if not isinstance(kpi, str) or not re.fullmatch(r"[A-Z]\d{5}", kpi or ""):
                bad(row, "kpi", "kolada_kpi", f"kpi {kpi!r} is not a Kolada KPI id (like U00200)")
                continue
            if kod not in valid_codes:
                bad(row, "municipality", "kommunkod", f"municipality {kod!r} is neither a municipality, a region (00 + county) nor 0000")
                continue
            values = e.get("values")
            if not isinstance(values, list):
                bad(row, "values", "kolada_shape", "the entry has no 'values' list")
                continue
            seen = set()
            for v in values:
                gender = v.get("gender") if isinstance(v, dict) else None
                if gender not in GENDERS:
                    bad(row, "gender", "kolada_gender", f"gender {gender!r} of {kpi} {kod} {period} is not T, K or M")
                    continue
                if gender in seen:
                    bad(row, "gender", "unique_id", f"{kpi} {kod} {period} has gender {gender} twice")
                    continue
                seen.add(gender)
                value = v.get("value")
                if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                    bad(row, "value", "kolada_value", f"value {value!r} of {kpi} {kod} {period} {gender} is not a number or null")
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
    """Replace raw.kpi from kolada/kpi.json (optional: without it a KPI's label is its id)."""
    path = root / "kolada" / "kpi.json"
    con.execute("delete from raw.kpi").fetchall()
    if not path.exists():
        return 0
    try:
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        values = doc["values"]
        records = [(v["id"], v.get("title"), v.get("description")) for v in values]
    except (ValueError, KeyError, TypeError) as e:
        log.add(rel(path, root), getattr(e, "lineno", None), None, "parse", f"kpi.json is not a Kolada /v2/kpi response: {e}")
        return 0
    if records:
        con.executemany("insert into raw.kpi values (?, ?, ?)", records)
    return len(records)


def known_kpis(root: Path) -> set[str]:
    """Every KPI id of any year in the Kolada files (and kpi.json): what an indicator may point at."""
    ids: set[str] = set()
    for path in kolada_files(root):
        ids.update(re.findall(r'"kpi"\s*:\s*"([A-Z]\d{5})"', path.read_text(encoding="utf-8-sig", errors="replace")))
    kpi = root / "kolada" / "kpi.json"
    if kpi.exists():
        ids.update(re.findall(r'"id"\s*:\s*"([A-Z]\d{5})"', kpi.read_text(encoding="utf-8-sig", errors="replace")))
    return ids
