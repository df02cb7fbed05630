"""Raw loader for goal models (`styrmodell/<year>/<kommunkod>.yml`, contract section 2).

The YAML is parsed with line numbers kept, so a finding names the line of the goal, indicator or
activity it is about.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

import pandas as pd
import yaml

from .. import config
from .files import _decode, _sniff_delimiter
from .issues import IssueLog
from .kolada import known_kpis
from .surveys import rel

LEVELS = ("vision", "kommunfullmaktige", "namnd", "delmal")
DIRECTIONS = ("hogre", "lagre")
ACTIVITY_STATUS = ("planerad", "pagaende", "klar", "installd")
YML_RE = re.compile(r"^(\d{4})\.ya?ml$", re.IGNORECASE)


# libyaml's parser (C) when PyYAML has it: ~10x faster than the pure-Python one on a national
# year of goal models, with the same nodes and line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeLoader):
    """SafeLoader that records each mapping's line as key '__line__'."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    mapping["__keylines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value if isinstance(k, yaml.ScalarNode)}
    return mapping


def at(mapping: dict, key: str) -> int | None:
    """The line of `key` in a parsed mapping (else the mapping's own line)."""
    return mapping.get("__keylines__", {}).get(key, mapping.get("__line__"))


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def known_measures(root: Path) -> set[str]:
    """measure_ids an indicator may point at: any catalogue code or group of any year, any Kolada KPI."""
    out = {f"kolada.{k}" for k in known_kpis(root)}
    for source in config.SURVEY_SOURCES:
        for path in sorted((root / source).glob("*/fragor.csv")):
            try:
                text, _ = _decode(path.read_bytes(), str(path))
                df = pd.read_csv(io.StringIO(text), sep=_sniff_delimiter(text.split("\n", 1)[0]), dtype=str)
            except Exception:  # the catalogue's own load reports what is wrong with it
                continue
            df.columns = [str(c).strip().lower() for c in df.columns]
            out.update(f"{source}.{m.strip()}" for m in df.get("matt", pd.Series(dtype=str)).dropna())
            for grupp in df.get("grupp", pd.Series(dtype=str)).dropna():
                out.update(f"{source}.{g.strip()}" for g in grupp.split(",") if g.strip())
    return out


def _num(value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        return float(value)
    return float(str(value).replace(",", "."))


def load_styrmodell(con, root: Path, year: int, log: IssueLog) -> int:
    for table in ("goal_setting", "band", "goal", "indicator", "activity"):
        con.execute(f"delete from raw.{table} where year = ?", [year]).fetchall()
    folder = root / "styrmodell" / str(year)
    if not folder.is_dir():
        return 0
    measures = None
    n = 0
    landed: dict[str, list[dict]] = {}
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        file = rel(path, root)
        m = YML_RE.match(path.name)
        if not m:
            log.add(file, None, None, "file_name", "unexpected file: expected <kommunkod>.yml")
            continue
        kod = m.group(1)
        if kod not in config.kommun_codes():
            log.add(file, None, None, "kommunkod", f"{kod} is not a Swedish municipality code")
            continue
        try:
            doc = yaml.load(path.read_text(encoding="utf-8-sig"), Loader=_LineLoader)
        except UnicodeDecodeError as e:
            log.add(file, None, None, "encoding", f"a goal model must be UTF-8: {e}")
            continue
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
            log.add(file, mark.line + 1 if mark else None, None, "parse", f"not valid YAML: {getattr(e, 'problem', None) or e}")
            continue
        if measures is None:
            measures = known_measures(root)
        tables = _validate(doc, file, kod, year, log, measures, con)
        if tables is None:
            continue
        for name, records in tables.items():
            landed.setdefault(name, []).extend(records)
        n += 1
    # one insert per table for the whole year, not one per file
    for name, records in landed.items():
        if records:
            df = pd.DataFrame.from_records(records)
            con.register("_sm_df", df)
            con.execute(f"insert into raw.{name} by name select * from _sm_df").fetchall()
            con.unregister("_sm_df")
    return n


def _item_id(goal: dict, key: str, kind: str, item, gid: str, seen: dict, err) -> str | None:
    """The id of an indicator or activity of a goal, or None (with a finding) when the item is
    not a mapping, has no id, or repeats one already seen in the file."""
    if not isinstance(item, dict):
        err(at(goal, key), key, "styrmodell_shape", f"an {kind} of goal {gid} is not a mapping")
        return None
    item_id = str(item.get("id") or "")
    if not item_id:
        err(at(item, "id"), "id", "required_value", f"an {kind} of goal {gid} has no id")
        return None
    if item_id in seen:
        err(at(item, "id"), "id", "unique_id", f"{kind} id {item_id} is used twice (also on line {seen[item_id]})")
        return None
    seen[item_id] = item["__line__"]
    return item_id


def _validate(doc, file, kod, year, log: IssueLog, measures: set[str], con):
    before = len(log.errors)

    def err(line, column, rule, message):
        log.add(file, line, column, rule, message)

    if not isinstance(doc, dict):
        err(1, None, "styrmodell_shape", "a goal model must be a YAML mapping with malkompass, mal, ...")
        return None
    allowed = {"malkompass", "jamforelsekommuner", "minsta_antal_svar", "skalor", "mal", "__line__", "__keylines__"}
    for k in doc:
        if k not in allowed:
            err(at(doc, k), k, "unknown_key", f"unknown key {k!r}")
    areas = doc.get("malkompass") or []
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        err(at(doc, "malkompass"), "malkompass", "styrmodell_shape", "malkompass must be a list of area names")
        areas = []
    peers = doc.get("jamforelsekommuner") or []
    if not isinstance(peers, list):
        err(at(doc, "jamforelsekommuner"), "jamforelsekommuner", "styrmodell_shape", "jamforelsekommuner must be a list of municipality codes")
        peers = []
    peers = [str(p) for p in peers]
    for p in peers:
        if p not in config.kommun_codes():
            err(at(doc, "jamforelsekommuner"), "jamforelsekommuner", "kommunkod", f"comparison municipality {p!r} is not a municipality code (quote codes: \"0486\")")
    limit = doc.get("minsta_antal_svar", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        err(at(doc, "minsta_antal_svar"), "minsta_antal_svar", "styrmodell_value", f"minsta_antal_svar {limit!r} must be a whole number >= 1")
        limit = 5
    bands = []
    skalor = doc.get("skalor") or {}
    if not isinstance(skalor, dict):
        err(at(doc, "skalor"), "skalor", "styrmodell_shape", "skalor must map a name to a list of bands")
        skalor = {}
    for name, lst in skalor.items():
        if name in ("__line__", "__keylines__"):
            continue
        if not isinstance(lst, list) or not lst:
            err(at(doc, "skalor"), "skalor", "styrmodell_shape", f"band set {name!r} must be a list of {{fran, etikett}}")
            continue
        for i, b in enumerate(lst):
            line = b.get("__line__") if isinstance(b, dict) else at(doc, "skalor")
            try:
                fran = _num(b.get("fran")) if isinstance(b, dict) else None
                label = b["etikett"]
            except (ValueError, KeyError, TypeError):
                err(line, "skalor", "styrmodell_value", f"band {i + 1} of {name!r} needs a numeric or null 'fran' and an 'etikett'")
                continue
            bands.append(dict(year=year, kommunkod=kod, skala=name, ordinal=i, fran=fran, etikett=str(label)))
    org_units = {r[0] for r in con.execute("select enhet from raw.organisation where year = ? and kommunkod = ?", [year, kod]).fetchall()}
    root = con.execute("select enhet from raw.organisation where year = ? and kommunkod = ? and overordnad is null", [year, kod]).fetchall()
    root = root[0][0] if root else None
    if not org_units:
        err(None, "enhet", "missing_file", f"no valid organisation tree organisation/{year}/{kod}.csv: goals and indicators cannot be placed")

    goals, indicators, activities = [], [], []
    goal_ids, ind_ids, act_ids = {}, {}, {}
    parent_line: dict[str, int | None] = {}
    mal = doc.get("mal") or []
    if not isinstance(mal, list):
        err(at(doc, "mal"), "mal", "styrmodell_shape", "mal must be a list of goals")
        mal = []
    for gi, g in enumerate(mal):
        if not isinstance(g, dict):
            err(at(doc, "mal"), "mal", "styrmodell_shape", f"goal {gi + 1} is not a mapping")
            continue
        line = g["__line__"]
        gid = g.get("id")
        if gid is None or str(gid).strip() == "":
            err(at(g, "id"), "id", "required_value", "a goal has no id")
            continue
        gid = str(gid)
        if gid in goal_ids:
            err(at(g, "id"), "id", "unique_id", f"goal id {gid} is used twice (also on line {goal_ids[gid]})")
            continue
        goal_ids[gid] = line
        parent_line[gid] = at(g, "forelder")
        for k in g:
            if k not in {"id", "namn", "niva", "omrade", "enhet", "forelder", "indikatorer", "aktiviteter", "__line__", "__keylines__"}:
                err(at(g, k), k, "unknown_key", f"unknown key {k!r} in goal {gid}")
        if not g.get("namn"):
            err(at(g, "namn"), "namn", "required_value", f"goal {gid} has no namn")
        if g.get("niva") not in LEVELS:
            err(at(g, "niva"), "niva", "allowed_value", f"niva {g.get('niva')!r} of goal {gid} is not one of " + ", ".join(LEVELS))
        if g.get("omrade") is not None and g.get("omrade") not in areas:
            err(at(g, "omrade"), "omrade", "allowed_value", f"area {g.get('omrade')!r} of goal {gid} is not in malkompass")
        enhet = g.get("enhet")
        enhet = None if enhet is None else str(enhet)
        if enhet is not None and org_units and enhet not in org_units:
            err(at(g, "enhet"), "enhet", "unknown_unit", f"unit {enhet} of goal {gid} is not in the organisation tree of {kod} for {year}")
        goals.append(dict(year=year, kommunkod=kod, goal_id=gid, namn=g.get("namn"), niva=g.get("niva"), omrade=g.get("omrade"),
                          enhet=enhet or root, forelder=None if g.get("forelder") is None else str(g.get("forelder")), ordinal=gi, _row=line))
        for ii, ind in enumerate(g.get("indikatorer") or []):
            iid = _item_id(g, "indikatorer", "indicator", ind, gid, ind_ids, err)
            if iid is None:
                continue
            iline = ind["__line__"]
            for k in ind:
                if k not in {"id", "matt", "enhet", "malvarde", "riktning", "delvis_fran", "skala", "trendtolerans", "__line__", "__keylines__"}:
                    err(at(ind, k), k, "unknown_key", f"unknown key {k!r} in indicator {iid}")
            matt = ind.get("matt")
            if matt not in measures:
                err(at(ind, "matt"), "matt", "unknown_measure", f"indicator {iid} points at {matt!r}, which is no catalogue code or Kolada KPI of any year")
            ienhet = None if ind.get("enhet") is None else str(ind.get("enhet"))
            if ienhet is not None and org_units and ienhet not in org_units:
                err(at(ind, "enhet"), "enhet", "unknown_unit", f"unit {ienhet} of indicator {iid} is not in the organisation tree of {kod} for {year}")
            try:
                target = _num(ind.get("malvarde"))
                if target is None:
                    raise ValueError
            except (ValueError, TypeError):
                err(at(ind, "malvarde"), "malvarde", "styrmodell_value", f"indicator {iid} needs a numeric malvarde, not {ind.get('malvarde')!r}")
                target = None
            direction = ind.get("riktning")
            if direction not in DIRECTIONS:
                err(at(ind, "riktning"), "riktning", "allowed_value", f"riktning {direction!r} of indicator {iid} is not hogre or lagre")
            try:
                partly = _num(ind.get("delvis_fran"))
                tol = _num(ind.get("trendtolerans", 1.0))
                if tol is None or tol < 0:
                    raise ValueError
            except (ValueError, TypeError):
                err(at(ind, "delvis_fran"), "delvis_fran", "styrmodell_value", f"delvis_fran and trendtolerans of indicator {iid} must be numbers (trendtolerans >= 0)")
                partly, tol = None, 1.0
            if partly is not None and target is not None and direction in DIRECTIONS:
                if (direction == "hogre" and partly > target) or (direction == "lagre" and partly < target):
                    err(at(ind, "delvis_fran"), "delvis_fran", "styrmodell_value", f"delvis_fran {partly:g} of indicator {iid} lies beyond its target {target:g} in direction {direction}")
            skala = ind.get("skala")
            if skala is not None and skala not in skalor:
                err(at(ind, "skala"), "skala", "unknown_band_set", f"band set {skala!r} of indicator {iid} is not defined under skalor")
            indicators.append(dict(year=year, kommunkod=kod, goal_id=gid, indicator_id=iid, matt=matt, enhet=ienhet, malvarde=target,
                                   riktning=direction, delvis_fran=partly, skala=skala, trendtolerans=tol, ordinal=ii, _row=iline))
        for ai, a in enumerate(g.get("aktiviteter") or []):
            aid = _item_id(g, "aktiviteter", "activity", a, gid, act_ids, err)
            if aid is None:
                continue
            aline = a["__line__"]
            if a.get("status") not in ACTIVITY_STATUS:
                err(at(a, "status"), "status", "allowed_value", f"status {a.get('status')!r} of activity {aid} is not one of " + ", ".join(ACTIVITY_STATUS))
            if not isinstance(a.get("last", False), bool):
                err(at(a, "last"), "last", "styrmodell_value", f"last of activity {aid} must be true or false")
            activities.append(dict(year=year, kommunkod=kod, goal_id=gid, activity_id=aid, namn=a.get("namn"),
                                   locked=bool(a.get("last", False)), status=a.get("status"), ordinal=ai, _row=aline))
    # the goal hierarchy must be a tree: parents exist, no cycles
    parent = {g["goal_id"]: g["forelder"] for g in goals}
    for g in goals:
        if g["forelder"] is not None and g["forelder"] not in parent:
            err(parent_line[g["goal_id"]], "forelder", "unknown_parent", f"parent goal {g['forelder']} of goal {g['goal_id']} does not exist")
    for g in goals:
        seen, cur = set(), g["goal_id"]
        while cur is not None and cur in parent and cur not in seen:
            seen.add(cur)
            cur = parent[cur]
        if cur is not None and cur in seen:
            err(parent_line[g["goal_id"]], "forelder", "tree", f"goal {g['goal_id']} is part of a cycle of parent goals")
    if len(log.errors) > before:
        return None
    setting = [dict(year=year, kommunkod=kod, malkompass=areas, jamforelsekommuner=peers, minsta_antal_svar=limit, _file=file)]
    return {"goal_setting": setting, "band": bands, "goal": goals, "indicator": indicators, "activity": activities}
