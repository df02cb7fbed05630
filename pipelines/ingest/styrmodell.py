"""Raw loader for goal models (`styrmodell/<year>/<kommunkod>.yml`, contract section 2).

The YAML is parsed with line numbers kept, so a finding names the line of the goal, indicator or
activity it is about.

Refused before anything of the file is used (contract section 4, amended 2026-11-30):
- an anchor or alias (`yaml_anchor`): goal models need none, and a file of nested aliases (a
  "billion laughs") would expand to gigabytes. They are found in libyaml's event stream, before
  any node is built, and the first one is reported;
- a key repeated in any mapping (`duplicate_key`, row = the repeat): YAML would keep the last one
  silently (`minsta_antal_svar: 5` then `minsta_antal_svar: 1` would publish small cells);
- a list or mapping where a number or text belongs (`wrong_type`), and a number that is not
  finite (`not_finite`: .inf, .nan, or a literal too large for a double such as 1e309), anywhere.
"""
from __future__ import annotations

import math
import os
import re
from collections.abc import Hashable
from pathlib import Path

import pandas as pd
import yaml

from .. import config
from . import rawfiles
from .files import load_table
from .issues import WARNING, FileRuleError, IssueLog, clean, shown_value
from .kolada import known_kpis
from .surveys import rel

LEVELS = ("vision", "kommunfullmaktige", "namnd", "delmal")
DIRECTIONS = ("hogre", "lagre")
ACTIVITY_STATUS = ("planerad", "pagaende", "klar", "installd")
YML_RE = re.compile(r"^(\d{4})\.ya?ml$", re.IGNORECASE)


# libyaml's parser (C) when PyYAML has it: ~10x faster than the pure-Python one on a national
# year of goal models, with the same nodes and line marks.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


CATALOGUE_COLUMNS = ("kolumn", "matt", "text", "skala", "grupp")
MIN_SUPPRESSION_LIMIT = 3
MAX_INTEGER = 2**31 - 1  # minsta_antal_svar lands in an INTEGER column


class _LineLoader(_SafeLoader):
    """SafeLoader that builds mappings as `_Mapping` (with their lines) and refuses a repeated key."""

    _tags: dict = {}

    def resolve(self, kind, value, implicit):
        """The tag of a plain scalar by its text, as PyYAML's resolver gives it, remembered: the
        resolver tries its patterns on every scalar, and a year's goal models repeat a few
        thousand texts ~400,000 times (a quarter of their parse). Only plain scalars; the
        loader's resolvers are PyYAML's and never change."""
        if kind is not yaml.ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        key = (value, implicit[1])
        tag = self._tags.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(self._tags) < 100_000:
                self._tags[key] = tag
        return tag


class _Mapping(dict):
    """A YAML mapping with the line of the mapping (`line`) and of each key (`keylines`)."""

    line: int | None = None
    keylines: dict = {}


class Refused(Exception):
    """A goal model refused while it is read: (row, column, rule, message)."""

    def __init__(self, row, column, rule, message):
        super().__init__(message)
        self.row, self.column, self.rule, self.message = row, column, rule, message


def _key_lines(node) -> dict:
    """The line of each plain key of a mapping node, after refusing a merge key (<<) or a key
    repeated in the mapping, before anything of the mapping is built."""
    seen: dict = {}
    keylines: dict = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        line = key.start_mark.line + 1
        if key.tag == "tag:yaml.org,2002:merge":
            raise Refused(line, None, "yaml_anchor", "a merge key (<<) copies another mapping's keys: goal models need none, "
                                                     "write the keys out")
        if (key.tag, key.value) in seen:
            raise Refused(line, clean(key.value), "duplicate_key",
                          f"key {shown_value(key.value)} appears a second time in the same mapping (first on line "
                          f"{seen[key.tag, key.value]}): YAML would silently keep the last one; keep one")
        seen[key.tag, key.value] = line
        keylines[key.value] = line
    return keylines


def _construct_mapping(loader, node, deep=False):
    """PyYAML's constructor for mappings of `_LineLoader` (the nodes `_build` leaves to it)."""
    keylines = _key_lines(node)
    mapping = _Mapping(yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.keylines = keylines
    return mapping


def at(mapping, key) -> int | None:
    """The line of `key` in a parsed mapping (else the mapping's own line)."""
    if not isinstance(mapping, _Mapping):
        return None
    return mapping.keylines.get(key, mapping.line)


def line_of(node) -> int | None:
    return node.line if isinstance(node, _Mapping) else None


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _first_anchor_or_alias(text: str) -> tuple[int, str] | None:
    """(line, what) of the first anchor or alias, from libyaml's events: nothing is composed or
    built, so an alias bomb costs no more than reading its few lines. Text without `&` and `*`
    has neither, and is not read twice."""
    if "&" not in text and "*" not in text:
        return None
    for event in yaml.parse(text, Loader=_SafeLoader):
        if isinstance(event, yaml.AliasEvent):
            return event.start_mark.line + 1, "an alias (*name)"
        if getattr(event, "anchor", None) is not None:
            return event.start_mark.line + 1, "an anchor (&name)"
    return None


_STR, _SEQ, _MAP = (f"tag:yaml.org,2002:{t}" for t in ("str", "seq", "map"))
# the scalars whose SafeConstructor function returns the value (those of !!seq, !!set, !!omap ...
# are generators that PyYAML's constructor drives, and refuse a scalar node)
_PLAIN_SCALARS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("null", "bool", "int", "float"))
_ScalarNode, _SequenceNode, _MappingNode = yaml.ScalarNode, yaml.SequenceNode, yaml.MappingNode


def _build(loader, node):
    """The Python value of a composed node: what `yaml.load` with `_LineLoader` returns, built by
    one recursive function for the nodes goal models are made of (text, null, booleans and numbers
    by their SafeConstructor function, lists, mappings with their lines) instead of PyYAML's general
    constructor, whose bookkeeping per node was half of a national year's parse (1.15 s for 290
    files). Any other node (a timestamp, !!set, !!omap, a scalar tagged !!seq, an unknown tag) goes to that
    general constructor, which builds it or raises exactly as `yaml.load` would."""
    cls, tag = node.__class__, node.tag
    if cls is _ScalarNode:
        if tag == _STR:
            return node.value
        if tag in _PLAIN_SCALARS:
            return loader.yaml_constructors[tag](loader, node)
    elif cls is _SequenceNode and tag == _SEQ:
        return [_build(loader, item) for item in node.value]
    elif cls is _MappingNode and tag == _MAP:
        return _build_mapping(loader, node)
    return loader.construct_object(node, deep=True)


def _build_mapping(loader, node) -> _Mapping:
    """A mapping as `_construct_mapping` builds it (a repeated key or a merge key refused, the
    lines kept), its keys and values built by `_build`."""
    keylines = _key_lines(node)
    mapping = _Mapping()
    for key_node, value_node in node.value:
        key = _build(loader, key_node)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError("while constructing a mapping", node.start_mark,
                                                    "found unhashable key", key_node.start_mark)
        mapping[key] = _build(loader, value_node)
    mapping.line = node.start_mark.line + 1
    mapping.keylines = keylines
    return mapping


def read_goal_model(text: str):
    """Parse a goal model's text: anchors and aliases, repeated keys and nesting deeper than the
    parser can take are refused (Refused); broken YAML raises yaml.YAMLError."""
    found = _first_anchor_or_alias(text)
    if found:
        line, what = found
        raise Refused(line, None, "yaml_anchor", f"the goal model uses {what}: goal models need no anchors or aliases, "
                                                 "and the file is not read further (an alias is never expanded)")
    try:
        loader = _LineLoader(text)
        try:
            node = loader.get_single_node()
            return None if node is None else _build(loader, node)
        finally:
            loader.dispose()
    except RecursionError:
        raise Refused(None, None, "parse", "not valid YAML: the goal model is nested too deeply") from None
    except ValueError as e:  # int() of a literal of more than 4,300 digits
        if "digits" not in str(e):
            raise
        raise Refused(None, None, "not_finite", "a number has too many digits to be a finite number") from None


# What each key of a goal model holds, for the check of types and finite numbers before anything
# else is read: TEXT, NUMBER and FLAG are single values; [x] a list of x; {key: x} a mapping
# (ANY: every key). A list or mapping where a single value belongs is `wrong_type`.
TEXT, NUMBER, FLAG, ANY = "text", "a number", "true or false", object()
_INDICATOR = {"id": TEXT, "matt": TEXT, "enhet": TEXT, "malvarde": NUMBER, "riktning": TEXT, "delvis_fran": NUMBER,
              "skala": TEXT, "trendtolerans": NUMBER}
_ACTIVITY = {"id": TEXT, "namn": TEXT, "status": TEXT, "last": FLAG}
_GOAL = {"id": TEXT, "namn": TEXT, "niva": TEXT, "omrade": TEXT, "enhet": TEXT, "forelder": TEXT,
         "indikatorer": [_INDICATOR], "aktiviteter": [_ACTIVITY]}
SCHEMA = {"malkompass": [TEXT], "jamforelsekommuner": [TEXT], "minsta_antal_svar": NUMBER,
          "skalor": {ANY: [{"fran": NUMBER, "etikett": TEXT}]}, "mal": [_GOAL]}


def _not_finite(value, numeric: bool) -> bool:
    """A number that is not finite: a float inf/nan, an integer past a double's range, or (where a
    number belongs) text that reads as one ("inf", "1e309")."""
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return not math.isfinite(value)
    if isinstance(value, int):
        return value.bit_length() > 1024
    if numeric and isinstance(value, str):
        try:
            return not math.isfinite(float(value.replace(",", ".")))
        except ValueError:
            return False
    return False


def _check_values(value, schema, line, column, err) -> None:
    """Report each list or mapping where a single value belongs, and each number that is not finite."""
    if isinstance(schema, str):
        if isinstance(value, (dict, list, set, tuple)):  # sets and pairs: YAML's !!set, !!omap, !!pairs
            err(line, column, "wrong_type", f"{column} is {'a mapping' if isinstance(value, dict) else 'a list'}, where {schema} belongs")
        elif _not_finite(value, schema == NUMBER):
            err(line, column, "not_finite", f"{column} {shown_value(value)} is a number that is not finite (.inf, .nan or too large)")
        return
    if isinstance(value, list):
        for item in value:
            _check_values(item, schema[0] if isinstance(schema, list) else None, line_of(item) or line, column, err)
    elif isinstance(value, dict):
        keys = schema if isinstance(schema, dict) else {}
        for k, v in value.items():
            if _not_finite(k, False):
                err(at(value, k), column, "not_finite", f"key {shown_value(k)} is a number that is not finite")
                continue
            _check_values(v, keys.get(k, keys.get(ANY)), at(value, k), str(k), err)
    elif _not_finite(value, False):  # a single value where a list or mapping belongs: the shape checks say so
        err(line, column, "not_finite", f"{column} {shown_value(value)} is a number that is not finite (.inf, .nan or too large)")


def _text(value) -> str | None:
    return None if value is None else clean(str(value))


def known_measures(con, root: Path, log: IssueLog) -> tuple[set[str], int]:
    """measure_ids an indicator may point at: any catalogue code or group of any year, any Kolada
    KPI; and how many catalogues could not be read for their codes.

    Each catalogue is read under the file rules (`files.load_table`). One that cannot be read is a
    warning of this load, naming it and why: an indicator pointing at one of its codes is then
    reported as unknown_measure (the catalogue's own year fails on it as an error)."""
    out = {f"kolada.{k}" for k in known_kpis(root)}
    unreadable = 0
    for source in config.SURVEY_SOURCES:
        for year_dir in rawfiles.entries(root / source):
            path = year_dir / "fragor.csv"
            if not re.fullmatch(r"[0-9]{4}", year_dir.name) or not os.path.lexists(path):
                continue
            file = rel(path, root)
            problem = rawfiles.refusal(path, root)
            if problem is None:
                unknown: list[str] = []

                def accept(_, columns, unknown=unknown):
                    unknown.extend(c for c in columns if c not in CATALOGUE_COLUMNS)
                    return not unknown
                try:
                    t = load_table(con, path, file, accept=accept)
                except FileRuleError as e:
                    problem = e
                if unknown:  # not read: its own load names every unknown column
                    problem = FileRuleError(file, "unknown_column", f"{len(unknown)} column(s) not in the contract, e.g. {shown_value(unknown[0])}", row=1)
            if problem is not None:
                unreadable += 1
                log.add(file, problem.row, problem.column, "catalogue_unreadable",
                        f"the measure codes of this question catalogue cannot be read ({problem.rule}: {problem.message}); "
                        "an indicator pointing at one of them is reported as unknown", severity=WARNING)
                continue
            codes = [f"coalesce({c}, '')" if c in t.columns else "''" for c in ("matt", "grupp")]
            for matt, grupp in con.execute(f"select {', '.join(codes)} from {t.name}").fetchall():
                out.update(f"{source}.{m.strip()}" for m in [matt, *grupp.split(",")] if m.strip())
            con.execute(f"drop table {t.name}").fetchall()
    return out, unreadable


_known: dict = {}


def _known_measures_once(con, root: Path, log: IssueLog) -> tuple[set[str], int]:
    """known_measures, read once for all the years a run loads: it reads every year's catalogues
    and Kolada files, the same for each goal-model year (~0.2 s a national year). Kept while the
    names, sizes and modification times of those files stay the same; its warnings go to `log`
    each time, as when it was read for the year."""
    paths = sorted(root.glob("*/*/fragor.csv")) + sorted((root / "kolada").glob("*"))
    key = (str(root), tuple((str(p), *((st.st_mtime_ns, st.st_size, st.st_ino) if (st := _stat(p)) else ())) for p in paths))
    if key not in _known:
        found = IssueLog(None, "styrmodell")
        measures, unreadable = known_measures(con, root, found)
        _known.clear()
        _known[key] = (measures, unreadable, [(i.file, i.row, i.column, i.rule, i.message, i.severity) for i in found.issues])
    measures, unreadable, warnings = _known[key]
    for file, row, column, rule, message, severity in warnings:
        log.add(file, row, column, rule, message, severity=severity)
    return measures, unreadable


def _stat(path: Path):
    try:
        return path.stat()
    except OSError:  # a dangling link, a loop: known_measures reports it
        return None


def _num(value):
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError
    number = float(value) if isinstance(value, (int, float)) else float(str(value).replace(",", "."))
    if not math.isfinite(number):  # _check_values has refused it already
        raise ValueError
    return number


def _read_one(path: str, file: str, kod: str, year: int, known, tree) -> tuple[bool, list, dict | None]:
    """Read, parse and check one goal model: (parsed, its findings, its tables or None)."""
    log = IssueLog(year, "styrmodell")
    try:
        doc = read_goal_model(Path(path).read_text(encoding="utf-8-sig"))
    except UnicodeDecodeError as e:
        log.add(file, None, None, "encoding", f"a goal model must be UTF-8: {e}")
        return False, log.issues, None
    except Refused as e:
        log.add(file, e.row, e.column, e.rule, e.message)
        return False, log.issues, None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None) or getattr(e, "context_mark", None)
        log.add(file, mark.line + 1 if mark else None, None, "parse", f"not valid YAML: {getattr(e, 'problem', None) or e}")
        return False, log.issues, None
    return True, log.issues, _validate(doc, file, kod, year, log, known, tree)


def _read_many(items: list[tuple[str, str, str]], year: int, known, trees: dict) -> list:
    """_read_one for each (path, file, kommunkod) of `items`, in order (what goal_readers.py
    gives each of its processes)."""
    return [_read_one(path, file, kod, year, known, trees.get(kod, (set(), None))) for path, file, kod in items]


def load_styrmodell(con, root: Path, year: int, log: IssueLog) -> int:
    for table in ("goal_setting", "band", "goal", "indicator", "activity"):
        con.execute(f"delete from raw.{table} where year = ?", [year]).fetchall()
    entries = _entries(root, year)
    if entries is None:
        return 0
    items = [e[1] for e in entries if e[0] == "read"]
    results = iter(())
    known_log = IssueLog(year, "styrmodell")
    if items:
        from . import goal_readers  # (not at the top: the readers' own `python -m` imports this module)

        goal_readers.start(len(items))  # they start while the catalogues are read
        measures = _known_measures_once(con, root, known_log)
        trees = _unit_trees(con, year)
        read = goal_readers.take(year, items, measures, trees)  # read ahead (prefetch below)?
        results = iter(read if read is not None else goal_readers.read_all(items, year, measures, trees))
    # findings in the order the files come: the catalogues' warnings (known_measures) before
    # those of the first goal model that parses, as when each file was read in turn
    n = 0
    parsed_any = False
    landed: dict[str, list[dict]] = {}
    for kind, value in entries:
        if kind == "refused":
            log.from_error(value)
            continue
        if kind == "issue":
            log.add(*value)
            continue
        parsed, issues, tables = next(results)
        if parsed and not parsed_any:
            log.issues.extend(known_log.issues)
            parsed_any = True
        log.issues.extend(issues)
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


def prefetch(con, root: Path, years: list[int]) -> None:
    """Start reading the goal models of `years` ahead, in the background (goal_readers.prefetch),
    from the unit trees landed now and the catalogues; `load_styrmodell` takes each year's result
    when its inputs are still the same. Only years with enough files for the readers."""
    from . import goal_readers

    items = {year: [e[1] for e in _entries(root, year) or () if e[0] == "read"] for year in years}
    items = {year: found for year, found in items.items() if len(found) >= goal_readers.PARALLEL_FILES}
    if items:
        measures = _known_measures_once(con, root, IssueLog(None, "styrmodell"))  # its warnings: the load's
        goal_readers.prefetch([(year, found, measures, _unit_trees(con, year)) for year, found in items.items()])


def _entries(root: Path, year: int) -> list[tuple] | None:
    """The year's folder in order: ("read", (path, file, kommunkod)) for a goal model to read,
    ("refused", error) or ("issue", finding) for a file's own findings (its name, a refused link);
    None without a folder."""
    folder = root / "styrmodell" / str(year)
    if not folder.is_dir():
        return None
    entries: list[tuple] = []
    for path in rawfiles.entries(folder):
        if path.is_dir():  # a sub-folder (or a link to one) holds no goal model of the year
            continue
        file = rel(path, root)
        refused = rawfiles.refusal(path, root)
        if refused:
            entries.append(("refused", refused))
            continue
        m = YML_RE.match(path.name)
        if not m:
            entries.append(("issue", (file, None, None, "file_name", "unexpected file: expected <kommunkod>.yml")))
            continue
        kod = m.group(1)
        if kod not in config.kommun_codes():
            entries.append(("issue", (file, None, None, "kommunkod", f"{kod} is not a Swedish municipality code")))
            continue
        entries.append(("read", (str(path), file, kod)))
    return entries


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
    seen[item_id] = item.line
    return item_id


def _unit_trees(con, year: int) -> dict[str, tuple[set[str], str | None]]:
    """Each municipality's landed unit codes of `year` and its root unit: one query for the year's
    goal models, not two per file."""
    trees: dict[str, tuple[set[str], str | None]] = {}
    for kod, enhet, is_root in con.execute("select kommunkod, enhet, overordnad is null from raw.organisation where year = ?",
                                           [year]).fetchall():
        units, root = trees.get(kod, (set(), None))
        units.add(enhet)
        trees[kod] = (units, enhet if is_root else root)
    return trees


def _validate(doc, file, kod, year, log: IssueLog, known: tuple[set[str], int], tree: tuple[set[str], str | None]):
    """The goal model's tables (goal_setting, band, goal, indicator, activity), or None when it
    breaks a rule (its findings in `log`). `tree`: the municipality's unit codes of the year and
    its root (_unit_trees)."""
    before = len(log.errors)
    measures, unreadable_catalogues = known

    def err(line, column, rule, message):
        log.add(file, line, column, rule, message)

    if not isinstance(doc, dict):
        err(1, None, "styrmodell_shape", "a goal model must be a YAML mapping with malkompass, mal, ...")
        return None
    # types and finite numbers first: a value of the wrong kind would only confuse the rules below
    _check_values(doc, SCHEMA, doc.line, None, err)
    if len(log.errors) > before:
        return None
    allowed = {"malkompass", "jamforelsekommuner", "minsta_antal_svar", "skalor", "mal"}
    for k in doc:
        if k not in allowed:
            err(at(doc, k), k, "unknown_key", f"unknown key {shown_value(k)}")
    areas = doc.get("malkompass") or []
    if not isinstance(areas, list) or not all(isinstance(a, str) for a in areas):
        err(at(doc, "malkompass"), "malkompass", "styrmodell_shape", "malkompass must be a list of area names")
        areas = []
    peers = doc.get("jamforelsekommuner") or []
    if not isinstance(peers, list):
        err(at(doc, "jamforelsekommuner"), "jamforelsekommuner", "styrmodell_shape", "jamforelsekommuner must be a list of municipality codes")
        peers = []
    peers = [_text(p) for p in peers]
    for p in peers:
        if p not in config.kommun_codes():
            err(at(doc, "jamforelsekommuner"), "jamforelsekommuner", "kommunkod", f"comparison municipality {shown_value(p)} is not a municipality code (quote codes: \"0486\")")
    limit = doc.get("minsta_antal_svar", 5)
    if not isinstance(limit, int) or isinstance(limit, bool) or not MIN_SUPPRESSION_LIMIT <= limit <= MAX_INTEGER:
        err(at(doc, "minsta_antal_svar"), "minsta_antal_svar", "suppression_limit",
            f"minsta_antal_svar {shown_value(limit)} must be a whole number >= {MIN_SUPPRESSION_LIMIT}: "
            "the fewest answers a published figure may rest on")
        limit = 5
    bands = []
    skalor = doc.get("skalor") or {}
    if not isinstance(skalor, dict):
        err(at(doc, "skalor"), "skalor", "styrmodell_shape", "skalor must map a name to a list of bands")
        skalor = {}
    for name, lst in skalor.items():
        name = _text(name)
        if not isinstance(lst, list) or not lst:
            err(at(doc, "skalor"), "skalor", "styrmodell_shape", f"band set {shown_value(name)} must be a list of {{fran, etikett}}")
            continue
        for i, b in enumerate(lst):
            line = line_of(b) or at(doc, "skalor")
            try:
                fran = _num(b.get("fran")) if isinstance(b, dict) else None
                label = b["etikett"]
            except (ValueError, KeyError, TypeError):
                err(line, "skalor", "styrmodell_value", f"band {i + 1} of {shown_value(name)} needs a numeric or null 'fran' and an 'etikett'")
                continue
            bands.append(dict(year=year, kommunkod=kod, skala=name, ordinal=i, fran=fran, etikett=_text(label)))
    org_units, root = tree
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
        line = g.line
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
            if k not in _GOAL:
                err(at(g, k), k, "unknown_key", f"unknown key {shown_value(k)} in goal {gid}")
        if not g.get("namn"):
            err(at(g, "namn"), "namn", "required_value", f"goal {gid} has no namn")
        if g.get("niva") not in LEVELS:
            err(at(g, "niva"), "niva", "allowed_value", f"niva {shown_value(g.get('niva'))} of goal {gid} is not one of " + ", ".join(LEVELS))
        if g.get("omrade") is not None and g.get("omrade") not in areas:
            err(at(g, "omrade"), "omrade", "allowed_value", f"area {shown_value(g.get('omrade'))} of goal {gid} is not in malkompass")
        enhet = g.get("enhet")
        enhet = None if enhet is None else str(enhet)
        if enhet is not None and org_units and enhet not in org_units:
            err(at(g, "enhet"), "enhet", "unknown_unit", f"unit {enhet} of goal {gid} is not in the organisation tree of {kod} for {year}")
        goals.append(dict(year=year, kommunkod=kod, goal_id=gid, namn=_text(g.get("namn")), niva=g.get("niva"), omrade=g.get("omrade"),
                          enhet=enhet or root, forelder=None if g.get("forelder") is None else str(g.get("forelder")), ordinal=gi, _row=line))
        for ii, ind in enumerate(g.get("indikatorer") or []):
            iid = _item_id(g, "indikatorer", "indicator", ind, gid, ind_ids, err)
            if iid is None:
                continue
            iline = ind.line
            for k in ind:
                if k not in _INDICATOR:
                    err(at(ind, k), k, "unknown_key", f"unknown key {shown_value(k)} in indicator {iid}")
            matt = ind.get("matt")
            if matt not in measures:
                err(at(ind, "matt"), "matt", "unknown_measure", f"indicator {iid} points at {shown_value(matt)}, which is no catalogue code or Kolada KPI of any year"
                    + (" (a question catalogue that cannot be read may hold it: see the catalogue_unreadable warning)" if unreadable_catalogues else ""))
            ienhet = None if ind.get("enhet") is None else str(ind.get("enhet"))
            if ienhet is not None and org_units and ienhet not in org_units:
                err(at(ind, "enhet"), "enhet", "unknown_unit", f"unit {ienhet} of indicator {iid} is not in the organisation tree of {kod} for {year}")
            try:
                target = _num(ind.get("malvarde"))
                if target is None:
                    raise ValueError
            except (ValueError, TypeError):
                err(at(ind, "malvarde"), "malvarde", "styrmodell_value", f"indicator {iid} needs a numeric malvarde, not {shown_value(ind.get('malvarde'))}")
                target = None
            direction = ind.get("riktning")
            if direction not in DIRECTIONS:
                err(at(ind, "riktning"), "riktning", "allowed_value", f"riktning {shown_value(direction)} of indicator {iid} is not hogre or lagre")
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
                err(at(ind, "skala"), "skala", "unknown_band_set", f"band set {shown_value(skala)} of indicator {iid} is not defined under skalor")
            indicators.append(dict(year=year, kommunkod=kod, goal_id=gid, indicator_id=iid, matt=matt, enhet=ienhet, malvarde=target,
                                   riktning=direction, delvis_fran=partly, skala=_text(skala), trendtolerans=tol, ordinal=ii, _row=iline))
        for ai, a in enumerate(g.get("aktiviteter") or []):
            aid = _item_id(g, "aktiviteter", "activity", a, gid, act_ids, err)
            if aid is None:
                continue
            aline = a.line
            if a.get("status") not in ACTIVITY_STATUS:
                err(at(a, "status"), "status", "allowed_value", f"status {shown_value(a.get('status'))} of activity {aid} is not one of " + ", ".join(ACTIVITY_STATUS))
            if not isinstance(a.get("last", False), bool):
                err(at(a, "last"), "last", "styrmodell_value", f"last of activity {aid} must be true or false")
            activities.append(dict(year=year, kommunkod=kod, goal_id=gid, activity_id=aid, namn=_text(a.get("namn")),
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
