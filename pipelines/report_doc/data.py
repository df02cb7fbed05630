"""Everything one report needs, read from the published warehouse (read-only) and the run report.

Nothing here reads raw files or the build database: the report says what the dashboards say.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from . import fmt

HME = "medarbetarenkat.HME"
CITIZEN_SOURCE = "medborgarundersokning"
MAX_SURVEY_SERIES = 8  # per panel of the citizen survey chart


class ReportError(Exception):
    """The report cannot be made (no published file, unknown municipality or year): exit 2."""


def connect(published: Path) -> duckdb.DuckDBPyConnection:
    if not Path(published).is_file():
        raise ReportError(f"no published warehouse at {published} (run `followup run` first)")
    return duckdb.connect(str(published), read_only=True)


def _rows(con, sql: str, params=()) -> list[dict]:
    cur = con.execute(sql, list(params))
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def report_pairs(con, year: int | None = None) -> list[tuple[str, int]]:
    """(kommunkod, year) of every municipality with goal or survey data (Kolada alone is not enough)."""
    sql = """select distinct kommunkod, year from (
                 select kommunkod, year from marts.dim_goal
                 union all
                 select v.kommunkod, v.year from marts.fct_measure_value v
                 join marts.dim_measure m using (measure_id) where m.source <> 'kolada')
             where ? is null or year = ? order by year, kommunkod"""
    return [(k, y) for k, y in con.execute(sql, [year, year]).fetchall()]


# --------------------------------------------------------------------------------------------
# the run report (latest.json)


def load_run_report(path: Path | None) -> dict | None:
    """The run report the printed report quotes from (None when there is none). One that cannot
    be read is an error, not a report without a run: the report would claim no year was refused."""
    if path is None or not Path(path).is_file():
        return None
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise ReportError(f"the run report {path} cannot be read ({type(e).__name__}: {e})") from None


_PER_KOMMUN_FILE = re.compile(r"(?:^|/)(\d{4})\.(?:csv|xlsx|ya?ml)$", re.I)
_CODE = re.compile(r"(?<!\d)(\d{4})(?!\d)")


def issue_concerns(issue: dict, kommunkod: str, other_codes: frozenset[str]) -> bool:
    """Does a run-report issue concern this municipality? A municipality's own file does; a shared
    file (a question catalogue, Kolada) or an issue without a file does unless its message names
    only other municipalities."""
    m = _PER_KOMMUN_FILE.search(str(issue.get("file") or ""))
    if m:
        return m.group(1) == kommunkod
    codes = set(_CODE.findall(str(issue.get("message") or "")))
    if kommunkod in codes:
        return True
    year = str(issue.get("year"))
    named_others = {c for c in codes if c in other_codes and c != year and not 1900 <= int(c) <= 2100}
    return not named_others


def _issue_row(i: dict) -> dict:
    return {
        "severity": fmt.SEVERITY.get(i.get("severity"), i.get("severity") or ""),
        "is_error": i.get("severity") == "error",
        "source": i.get("source") or "",
        "file": i.get("file") or "",
        "row": "" if i.get("row") is None else str(i["row"]),
        "column": i.get("column") or "",
        "rule": i.get("rule") or "",
        "rule_text": fmt.rule_text(i.get("rule") or ""),
    }


# --------------------------------------------------------------------------------------------
# the report's content


@dataclass
class Report:
    kommunkod: str
    year: int
    kommun: str                     # "Katrineholm"
    title_name: str                 # "Katrineholms kommun"
    lan: str | None
    published_at: str
    published_years: list[int]
    run: dict                       # run report facts for the cover and the appendix
    summary: list[dict]             # per area
    vision: list[dict]              # goal blocks of the vision level (before the areas)
    areas: list[dict]               # {name, goals: [goal blocks]}
    hme: dict | None                # unit bars
    citizen: dict | None            # citizen survey panels and table
    notes: list[str] = field(default_factory=list)


def _status_badge(status: str | None) -> dict:
    return dict(fmt.STATUS.get(status or "kan ej bedömas", fmt.STATUS["kan ej bedömas"]))


class YearData:
    """Everything the reports of one year read from the published file, fetched with one set of
    queries for all the municipalities asked for (`kommuner`, default every one) and split in
    memory by municipality: a batch of 290 reports runs the same dozen queries as one report.

    The rows and their order per municipality are those of the per-municipality queries the
    report was first written with (each query orders by municipality first, then as before)."""

    def __init__(self, con, year: int, kommuner: list[str] | None = None):
        self.year = int(year)
        only = None if kommuner is None else sorted(set(kommuner))
        f = "" if only is None else " and {col} in (select unnest(?::varchar[]))"
        p = [] if only is None else [only]

        def by_kommun(sql: str, params: list, col: str = "kommunkod") -> dict[str, list[dict]]:
            out: dict[str, list[dict]] = {}
            for r in _rows(con, sql.format(only=f.format(col=col)), params):
                out.setdefault(r.pop("_k"), []).append(r)
            return out

        y = self.year
        self.kommun = {r["kommunkod"]: r for r in _rows(con, "select kommunkod, kommun, lan, typ from marts.dim_kommun")}
        self.pairs = report_pairs(con)
        self.published = dict(con.execute("select year, published_at from marts.publish_year order by year").fetchall())
        label = con.execute("select label from marts.dim_measure where measure_id = ?", [HME]).fetchone()
        self.hme_label = label[0] if label else "HME"
        self.units = by_kommun("""select kommunkod as _k, enhet, namn, typ, overordnad, niva from marts.dim_org_unit
                                  where year = ?{only} order by kommunkod, niva, enhet""", [y, *p])
        self.goals = by_kommun("""select g.kommunkod as _k, g.goal_id, g.name, g.level, g.area, g.enhet, g.parent_goal_id,
                                         g.sort_order, s.status, s.n_indicators, s.n_met, s.n_partly, s.n_not_met, s.n_no_value
                                  from marts.dim_goal g left join marts.fct_goal_status s
                                    on s.kommunkod = g.kommunkod and s.year = g.year and s.goal_id = g.goal_id
                                  where g.year = ?{only} order by g.kommunkod, g.sort_order, g.goal_id""", [y, *p], "g.kommunkod")
        # a goal outcome on the municipality's root unit reads the whole-municipality cell (enhet null)
        self.outcomes = by_kommun("""select o.kommunkod as _k, o.*, m.label, m.unit, m.source,
                                            v.suppressed as cell_suppressed
                                     from marts.fct_goal_outcome o
                                     left join (select kommunkod, enhet as root from marts.dim_org_unit
                                                where year = ? and niva = 0) r on r.kommunkod = o.kommunkod
                                     left join marts.dim_measure m using (measure_id)
                                     left join marts.fct_measure_value v
                                       on v.measure_id = o.measure_id and v.kommunkod = o.kommunkod and v.year = o.year
                                      and v.group_type = 'total'
                                      and (v.enhet = o.enhet or (v.enhet is null and (o.enhet is null or o.enhet = r.root)))
                                     where o.year = ?{only}
                                     order by o.kommunkod, o.goal_id, o.sort_order, o.indicator_id""", [y, y, *p], "o.kommunkod")
        self.activities = by_kommun("""select kommunkod as _k, goal_id, activity_id, name, locked, status from marts.fct_activity
                                       where year = ?{only} order by kommunkod, goal_id, activity_id""", [y, *p])
        # every published year of the measures the municipality's goal model has ever followed up
        self.values = by_kommun("""select v.kommunkod as _k, v.measure_id, v.enhet, v.year, v.value, v.suppressed
                                   from marts.fct_measure_value v
                                   semi join (select distinct kommunkod, measure_id from marts.fct_goal_outcome) u
                                     on u.kommunkod = v.kommunkod and u.measure_id = v.measure_id
                                   where v.group_type = 'total'{only} order by v.kommunkod, v.year""", p, "v.kommunkod")
        self.past = by_kommun("""select kommunkod as _k, indicator_id, measure_id, enhet, year, target_value, direction,
                                        peer_median, national_value
                                 from marts.fct_goal_outcome where true{only} order by kommunkod, year""", p)
        self.hme = by_kommun("""select kommunkod as _k, enhet, value, suppressed from marts.fct_measure_value
                                where measure_id = ? and year = ? and group_type = 'total'{only}""", [HME, y, *p])
        self.citizen = by_kommun("""select v.kommunkod as _k, v.measure_id, m.code, m.label, m.unit, v.year, v.value, v.suppressed
                                    from marts.fct_measure_value v join marts.dim_measure m using (measure_id)
                                    where m.source = ? and v.enhet is null and v.group_type = 'total'{only}
                                    order by v.kommunkod, v.year""", [CITIZEN_SOURCE, *p], "v.kommunkod")

    def kommuner(self) -> list[str]:
        """The municipalities with a report this year (goal or survey data), in code order."""
        return [k for k, y in self.pairs if y == self.year]


def load_report(con, kommunkod: str, year: int, run_report: dict | None) -> Report:
    """One report's content, read from the published file (see YearData for a batch)."""
    return build_report(YearData(con, year, [kommunkod]), kommunkod, run_report)


def build_report(data: YearData, kommunkod: str, run_report: dict | None) -> Report:
    """One municipality's report from the year's data (no query)."""
    year = data.year
    k_row = data.kommun.get(kommunkod)
    years_with_data = sorted({y for k, y in data.pairs if k == kommunkod})
    if not k_row or k_row["typ"] != "kommun":
        raise ReportError(f"{kommunkod} is not a municipality of the published warehouse")
    if year not in years_with_data:
        have = ", ".join(map(str, years_with_data)) or "none"
        raise ReportError(f"{kommunkod} {k_row['kommun']} has no goal or survey data for {year} "
                          f"in the published warehouse (years with data: {have})")
    kommun = k_row["kommun"]
    unit_rows = data.units.get(kommunkod, [])
    units = {u["enhet"]: u for u in unit_rows}
    root = next((u["enhet"] for u in unit_rows if u["niva"] == 0), None)
    title_name = units[root]["namn"] if root else f"{fmt.genitive(kommun)} kommun"
    pub = data.published

    def unit_name(code: str | None) -> str:
        if code is None or code == root:
            return "Hela kommunen"
        u = units.get(code)
        return u["namn"] if u else code

    # ---- goals, their status, indicators and activities
    goals = data.goals.get(kommunkod, [])
    outcomes = data.outcomes.get(kommunkod, [])
    activities = data.activities.get(kommunkod, [])
    history = _indicator_history(data.values.get(kommunkod, []), data.past.get(kommunkod, []), outcomes, root)

    acts_by_goal: dict[str, list[dict]] = {}
    for a in activities:
        acts_by_goal.setdefault(a["goal_id"], []).append({
            "id": a["activity_id"], "name": a["name"], "locked": bool(a["locked"]),
            "status": fmt.ACTIVITY_STATUS.get(a["status"], a["status"] or "okänd"), "status_code": a["status"]})
    ind_by_goal: dict[str, list[dict]] = {}
    for o in outcomes:
        ind_by_goal.setdefault(o["goal_id"], []).append(_indicator(o, unit_name, history))

    blocks = {}
    for g in goals:
        blocks[g["goal_id"]] = {
            "id": g["goal_id"], "name": g["name"], "level": g["level"],
            "level_text": fmt.LEVELS.get(g["level"], g["level"]), "area": g["area"],
            "unit": unit_name(g["enhet"]) if g["enhet"] not in (None, root) else title_name,
            "parent": g["parent_goal_id"], "sort_order": g["sort_order"],
            "status": _status_badge(g["status"]), "status_code": g["status"] or "kan ej bedömas",
            "counts": {"n": g["n_indicators"] or 0, "met": g["n_met"] or 0, "partly": g["n_partly"] or 0,
                       "not_met": g["n_not_met"] or 0, "no_value": g["n_no_value"] or 0},
            "indicators": ind_by_goal.get(g["goal_id"], []),
            "activities": acts_by_goal.get(g["goal_id"], []),
            "depth": 0, "parent_note": None,
        }
    for b in blocks.values():
        p = blocks.get(b["parent"])
        if p is not None and p["area"] != b["area"] and p["level"] != "vision":
            b["parent_note"] = f"{p['level_text']} {p['id']}: {p['name']}"

    vision_blocks, areas = _goal_chain(blocks)
    summary = _area_summary(areas, blocks)

    run = _run_facts(run_report, kommunkod, year,
                     frozenset(k for k, r in data.kommun.items() if r["typ"] == "kommun" and k != kommunkod))
    notes = []
    if year in run["refused_years"]:
        notes.append(f"Kontrollen stoppade {year} vid den senaste körningen. Rapporten visar den senast godkända "
                     f"versionen av {year} i lagret, publicerad {fmt.timestamp(pub.get(year))}.")
    return Report(
        kommunkod=kommunkod, year=year, kommun=kommun, title_name=title_name, lan=k_row["lan"],
        published_at=fmt.timestamp(pub.get(year)), published_years=sorted(pub), run=run,
        summary=summary, vision=vision_blocks, areas=areas,
        hme=_hme_units(data.hme.get(kommunkod, []), data.hme_label, units, root),
        citizen=_citizen_survey(data.citizen.get(kommunkod, []), {p["measure_id"] for p in data.past.get(kommunkod, [])}),
        notes=notes,
    )


def _indicator(o: dict, unit_name, history: dict) -> dict:
    unit = o["unit"]
    suppressed = bool(o["cell_suppressed"]) and o["value"] is None
    if fmt.is_num(o["value"]):
        value_text = fmt.value(o["value"], unit)
    else:
        value_text = fmt.SUPPRESSED if suppressed else fmt.MISSING
    rel = "≥" if o["direction"] == "hogre" else "≤"
    target_text = f"{rel} {fmt.value(o['target_value'], unit)}" if fmt.is_num(o["target_value"]) else "–"
    partly_text = f"delvis {rel} {fmt.value(o['partly_from'], unit)}" if fmt.is_num(o.get("partly_from")) else ""
    # a change is in points (index) or percentage points (procent): the number alone, no % sign
    change_text = fmt.num(o["change"], 1, sign=True) if fmt.is_num(o["change"]) else ""
    peer = []
    if fmt.is_num(o["peer_median"]):
        peer.append(f"median {fmt.value(o['peer_median'], unit)}")
    if o["peer_rank"] is not None and o["peer_count"]:
        peer.append(f"plats {o['peer_rank']} av {o['peer_count']}")
    elif o["peer_count"]:
        peer.append(f"{o['peer_count']} {_kommuner(o['peer_count'])} med värde")
    nat = []
    if fmt.is_num(o["national_value"]):
        nat.append(f"riket {fmt.value(o['national_value'], unit)}")
    if o["national_rank"] is not None and o["national_count"]:
        nat.append(f"plats {o['national_rank']} av {o['national_count']} {_kommuner(o['national_count'])}")
    elif o["national_count"]:
        nat.append(f"{o['national_count']} {_kommuner(o['national_count'])} med värde")
    key = (o["measure_id"], o["enhet"])
    return {
        "id": o["indicator_id"], "measure_id": o["measure_id"],
        "label": _short(o["label"], o["measure_id"].split(".", 1)[-1]), "source": o["source"],
        "unit": unit, "unit_text": fmt.UNIT_TEXT.get(unit, unit or ""),
        "org": unit_name(o["enhet"]),
        "value": value_text, "suppressed": suppressed, "has_value": fmt.is_num(o["value"]),
        "target": target_text, "partly": partly_text,
        "status": _status_badge(o["status"]), "status_code": o["status"],
        "band": o["band_label"] or "",
        "change": change_text, "arrow": fmt.trend_arrow(o["change"], o["trend"]),
        "trend": fmt.TREND.get(o["trend"], ""),
        "prev": (f"{o['year'] - 1}: {fmt.value(o['prev_value'], unit)}" if fmt.is_num(o["prev_value"]) else ""),
        "peer": " · ".join(peer), "national": " · ".join(nat),
        "history": history.get((o["indicator_id"], key), None),
    }


def _kommuner(n: int) -> str:
    return "kommun" if n == 1 else "kommuner"


def _indicator_history(values: list[dict], past: list[dict], outcomes: list[dict], root: str | None) -> dict:
    """Per indicator: the measure's value for the same municipality and unit in every published year,
    and the indicator's target, peer median and national value in the years it existed."""
    out = {}
    if not outcomes:
        return out
    by_cell: dict[tuple, list[dict]] = {}
    for v in values:
        by_cell.setdefault((v["measure_id"], v["enhet"]), []).append(v)
    for o in outcomes:
        enhet = None if o["enhet"] == root else o["enhet"]
        cells = by_cell.get((o["measure_id"], enhet), [])
        same = [p for p in past if p["indicator_id"] == o["indicator_id"] and p["measure_id"] == o["measure_id"]
                and p["enhet"] == o["enhet"]]
        out[(o["indicator_id"], (o["measure_id"], o["enhet"]))] = {
            "values": [(c["year"], c["value"], bool(c["suppressed"])) for c in cells],
            "targets": {p["year"]: p["target_value"] for p in same if fmt.is_num(p["target_value"])},
            "peers": {p["year"]: p["peer_median"] for p in same if fmt.is_num(p["peer_median"])},
            "national": {p["year"]: p["national_value"] for p in same if fmt.is_num(p["national_value"])},
            "unit": o["unit"], "direction": o["direction"],
        }
    return out


def _goal_chain(blocks: dict[str, dict]) -> tuple[list[dict], list[dict]]:
    """The vision first; then each area of the målkompass in the goal model's order, its goals as a
    tree (following parent links within the area, siblings by sort_order)."""
    ordered = sorted(blocks.values(), key=lambda b: (b["sort_order"] if b["sort_order"] is not None else 1 << 30, b["id"]))
    children: dict[str | None, list[dict]] = {}
    for b in ordered:
        children.setdefault(b["parent"], []).append(b)
    vision = [b for b in ordered if b["level"] == "vision"]
    area_names: list[str] = []
    for b in ordered:
        if b["level"] != "vision":
            name = b["area"] or "Övriga mål"
            if name not in area_names:
                area_names.append(name)
    areas = []
    for name in area_names:
        members = [b for b in ordered if b["level"] != "vision" and (b["area"] or "Övriga mål") == name]
        ids = {b["id"] for b in members}
        roots = [b for b in members if b["parent"] not in ids]
        seq: list[dict] = []

        def walk(b, depth, seen):
            if b["id"] in seen:
                return
            seen.add(b["id"])
            b["depth"] = depth
            seq.append(b)
            for c in children.get(b["id"], []):
                if c["id"] in ids:
                    walk(c, depth + 1, seen)

        seen: set[str] = set()
        for r in roots:
            walk(r, 0, seen)
        for b in members:  # anything a cycle kept out (cannot happen after the gate, but never drop a goal)
            if b["id"] not in seen:
                walk(b, 0, seen)
        areas.append({"name": name, "goals": seq})
    return vision, areas


def _area_summary(areas: list[dict], blocks: dict) -> list[dict]:
    out = []
    for a in areas:
        goals = {s: 0 for s in fmt.STATUS_ORDER}
        inds = {s: 0 for s in fmt.STATUS_ORDER}
        for g in a["goals"]:
            goals[g["status_code"] if g["status_code"] in goals else "kan ej bedömas"] += 1
            for i in g["indicators"]:
                inds[i["status_code"] if i["status_code"] in inds else "kan ej bedömas"] += 1
        out.append({
            "name": a["name"],
            "lights": [dict(_status_badge(s), count=goals[s]) for s in fmt.STATUS_ORDER],
            "n_goals": len(a["goals"]),
            "indicators": [dict(_status_badge(s), count=inds[s]) for s in fmt.STATUS_ORDER],
            "n_indicators": sum(inds.values()),
        })
    return out


def _hme_units(hme_rows: list[dict], label: str, units: dict, root: str | None) -> dict | None:
    """HME of the whole municipality and every unit of that year's tree that has a cell, in tree order."""
    cells = {r["enhet"]: r for r in hme_rows}
    if not cells:
        return None
    kids: dict[str | None, list[str]] = {}
    for code, u in sorted(units.items(), key=lambda kv: (kv[1]["namn"] or "", kv[0])):
        kids.setdefault(u["overordnad"], []).append(code)
    rows = []
    whole = cells.get(None) or (cells.get(root) if root else None)
    if whole is not None:
        rows.append({"label": "Hela kommunen", "depth": 0, "value": whole["value"],
                     "suppressed": bool(whole["suppressed"]) or whole["value"] is None, "total": True})

    def walk(code, depth):
        c = cells.get(code)
        if c is not None and code != root:
            rows.append({"label": units[code]["namn"] or code, "depth": depth, "value": c["value"],
                         "suppressed": bool(c["suppressed"]) or c["value"] is None, "total": False})
        for k in kids.get(code, []):
            walk(k, depth + (0 if code == root else 1))

    if root:
        walk(root, 0)
    return {"rows": rows, "label": label,
            "n_suppressed": sum(1 for r in rows if r["suppressed"]),
            "n_units": sum(1 for r in rows if not r["total"])}


def _short(label: str, code: str) -> str:
    if not label or label == code:
        return f"{code.replace('_', ' ').capitalize()} (sammanvägt mått)"
    return label


def _citizen_survey(rows: list[dict], used_measures: set[str]) -> dict | None:
    """Medborgarundersökningen for the whole municipality over all published years, split by unit:
    the 1-10 indices (unit index) and the 2021-on shares (unit procent) are never one series."""
    if not rows:
        return None
    panels = []
    for unit, title in (("index", "Betygsindex 0–100 (frågor med skala 1–10, till och med 2020)"),
                        ("procent", "Andel positiva svar i procent (ny enkät från 2021)")):
        mine = [r for r in rows if r["unit"] == unit]
        if not mine:
            continue
        measures: dict[str, dict] = {}
        for r in mine:
            m = measures.setdefault(r["measure_id"], {"id": r["measure_id"], "code": r["code"],
                                                      "label": _short(r["label"], r["code"]), "values": {}})
            m["values"][r["year"]] = (r["value"], bool(r["suppressed"]) or r["value"] is None)

        def rank(m):
            used = m["id"] in used_measures
            summary = m["label"].endswith("(sammanvägt mått)") or "index" in m["label"].lower()
            return (0 if used else 1 if summary else 2, m["id"])

        chosen = sorted(measures.values(), key=rank)
        chosen = [m for m in chosen if rank(m)[0] < 2][:MAX_SURVEY_SERIES] or chosen[:6]
        years = sorted({r["year"] for r in mine})
        table = [{"label": m["label"],
                  "cells": [(fmt.SUPPRESSED if m["values"][y][1] else fmt.value(m["values"][y][0], unit))
                            if y in m["values"] else "–" for y in years]} for m in chosen]
        panels.append({"unit": unit, "title": title, "years": years, "series": chosen, "table": table,
                       "n_measures": len(measures)})
    return {"panels": panels}


def _run_facts(doc: dict | None, kommunkod: str, year: int, others: frozenset[str]) -> dict:
    facts = {"available": doc is not None, "generated_at": None, "refused": [], "refused_years": [],
             "year_issues": [], "year_passed": None}
    if doc is None:
        return facts
    generated = str(doc.get("generated_at") or "")
    try:  # UTC in the run report; shown in the machine's local time, like publish_year.published_at
        stamp = dt.datetime.fromisoformat(generated.replace("Z", "+00:00"))
        facts["generated_at"] = fmt.timestamp(stamp.astimezone().replace(tzinfo=None) if stamp.tzinfo else stamp)
    except ValueError:
        facts["generated_at"] = generated or None
    for y in doc.get("years", []):
        issues = [_issue_row(i) for i in y.get("issues", []) if issue_concerns(i, kommunkod, others)]
        issues.sort(key=lambda i: not i["is_error"])  # errors first, otherwise the run report's order
        if not y.get("passed", True):
            kept = str(y.get("published") or "")
            facts["refused_years"].append(y["year"])
            facts["refused"].append({
                "year": y["year"],
                "kept": ("den senast godkända versionen finns kvar i lagret" if kept.startswith("kept")
                         else "året saknas i lagret (ingen version har godkänts)"),
                "issues": [i for i in issues if i["is_error"]] or issues,
                "n_all": len(y.get("issues", [])),
            })
        if y.get("year") == year:
            facts["year_issues"] = issues
            facts["year_passed"] = bool(y.get("passed"))
    return facts
