"""A plain pandas implementation of `marts.fct_measure_value`, as an analyst would write it.

This is the *peer* of the dbt pipeline: it shares no code with it. It reads the raw files
itself (contract section 2) and computes every cell of section 3:

* question measures: 1-K index ``(sum(w x)/sum(w) - 1) * 100 / (K - 1)`` and verbal4 share
  ``weight(1-2) / weight(1-4) * 100``, over the valid answers ("vet ej" = K+1 / 5 and blanks out);
* cells: the whole municipality (enhet null, also the root unit's cell), every other
  organisation unit over its whole subtree, background groups for the whole municipality
  (blank = ``Okänt``);
* aggregate measures from the catalogue's ``grupp``: plain mean of the questions' values in the
  cell, only where every question has a cell, n = min n, no interval;
* the 95 % interval (n_eff, weighted variance with the n_eff/(n_eff-1) factor, clipped 0..100);
* suppression in two passes (questions, then aggregates) with rules (a) and (b), where each split
  of a unit's children also holds that unit's own group (its respondents in no child's cell:
  the unit's n minus its children's n; for an aggregate the smallest over its questions), which
  is never a row;
* Kolada values: ``kolada.<KPI>``, T = total, K/M = ``kon`` groups.

Usage::

    python bench/pandas_peer.py RAW_DIR OUT.csv [--year 2024 ...]
"""
from __future__ import annotations

import argparse
import io
import json
import math
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

SURVEYS = ("medarbetarenkat", "medborgarundersokning", "intern_enkat")
BACKGROUND = {
    "medborgarundersokning": ["kon", "aldersgrupp"],
    "medarbetarenkat": ["kon"],
    "intern_enkat": ["enkat", "respondentgrupp"],
}
DEFAULT_LIMIT = 5
Z = 1.96
OKANT = "Okänt"
TOTAL = ("total", "Totalt")
WHOLE = ""  # stands for "enhet null" (the whole municipality) while computing

OUTPUT_COLUMNS = [
    "measure_id", "kommunkod", "year", "enhet", "group_type", "group_value",
    "value", "n_answers", "ci_low", "ci_high", "suppressed",
]
CELL_KEYS = ["measure_id", "kommunkod", "year", "enhet", "group_type", "group_value"]


# --------------------------------------------------------------------------------------------
# Reading files (contract 2, "Tabular file rules")
# --------------------------------------------------------------------------------------------
def _excel_cell_to_text(v):
    """An xlsx cell as the text a CSV would hold (3.0 -> '3', None -> missing)."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return np.nan
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def read_table(path: Path) -> pd.DataFrame:
    """Any CSV/xlsx of the contract as text columns; headers trimmed + lower case, blank = NaN."""
    if path.suffix.lower() == ".xlsx":
        df = pd.read_excel(path, sheet_name=0, dtype=object).map(_excel_cell_to_text)
        df = df.astype(object)  # an all-empty column stays a text column
    else:
        data = path.read_bytes()
        try:
            text = data.decode("utf-8-sig")  # strips a BOM when there is one
        except UnicodeDecodeError:
            text = data.decode("cp1252")
        header = text.splitlines()[0] if text else ""
        sep = ";" if ";" in header else ","
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip().lower() for c in df.columns]
    df = df.apply(lambda col: col.str.strip())
    return df.replace("", np.nan)


def to_number(col: pd.Series) -> pd.Series:
    """Numbers with a decimal point or a decimal comma."""
    return pd.to_numeric(col.astype(object).str.replace(",", ".", regex=False), errors="coerce")


def read_limit(raw_dir: Path, year: int, kod: str) -> int:
    path = raw_dir / "styrmodell" / str(year) / f"{kod}.yml"
    if not path.exists():
        return DEFAULT_LIMIT
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError:
        return DEFAULT_LIMIT
    value = doc.get("minsta_antal_svar") if isinstance(doc, dict) else None
    return DEFAULT_LIMIT if value is None else int(value)


def read_catalogue(path: Path) -> pd.DataFrame:
    """kolumn (lower case), matt, kind ('scale' | 'verbal4'), max_valid, unit, grupp."""
    cat = read_table(path)
    if "grupp" not in cat.columns:
        cat["grupp"] = np.nan
    cat["kolumn"] = cat["kolumn"].str.lower()
    skala = cat["skala"].str.lower().str.replace(" ", "", regex=False)
    k = pd.to_numeric(skala.str.extract(r"^1-(\d+)$")[0])
    cat["kind"] = np.where(skala == "verbal4", "verbal4", "scale")
    cat["k"] = k
    cat["max_valid"] = np.where(cat["kind"] == "verbal4", 4, k)  # verbal4: 5 = vet inte
    cat["unit"] = np.where(cat["kind"] == "verbal4", "procent", "index")
    return cat[["kolumn", "matt", "kind", "k", "max_valid", "unit", "grupp"]]


def read_organisation(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        return None
    org = read_table(path)
    return org[["enhet", "overordnad"]]


# --------------------------------------------------------------------------------------------
# The unit tree
# --------------------------------------------------------------------------------------------
def subtree_membership(org: pd.DataFrame) -> pd.DataFrame:
    """Pairs (unit, cell_unit): cell_unit is the unit itself or one of its ancestors.

    Built one tree level at a time; the root is left out (its cell is the municipality cell).
    """
    parent = org.set_index("enhet")["overordnad"]
    pairs = pd.DataFrame({"unit": org["enhet"], "cell_unit": org["enhet"]})
    frontier = pairs
    for _ in range(len(org)):  # at most depth steps; the bound only guards against cycles
        frontier = frontier.assign(cell_unit=frontier["cell_unit"].map(parent))
        frontier = frontier.dropna(subset=["cell_unit"])
        if frontier.empty:
            break
        pairs = pd.concat([pairs, frontier], ignore_index=True)
    roots = org.loc[org["overordnad"].isna(), "enhet"]
    return pairs[~pairs["cell_unit"].isin(roots)]


def split_of_unit(org: pd.DataFrame) -> pd.Series:
    """For each non-root unit, the split it belongs to: its parent ('' when that is the root)."""
    roots = set(org.loc[org["overordnad"].isna(), "enhet"])
    parent = org.set_index("enhet")["overordnad"].dropna()
    return "unit:" + parent.where(~parent.isin(roots), WHOLE)


# --------------------------------------------------------------------------------------------
# Question cells of one answer file
# --------------------------------------------------------------------------------------------
def question_cells(source: str, answers: pd.DataFrame, cat: pd.DataFrame,
                   org: pd.DataFrame | None) -> pd.DataFrame:
    answers = answers.reset_index(drop=True)
    answers["_resp"] = answers.index
    weight = to_number(answers["vikt"]).fillna(1.0) if "vikt" in answers else 1.0
    answers["_w"] = weight

    # long answers: one row per respondent and question, valid answers only
    qcols = [c for c in cat["kolumn"] if c in answers.columns]
    long = answers.melt(id_vars=["_resp", "_w"], value_vars=qcols,
                        var_name="kolumn", value_name="raw").dropna(subset=["raw"])
    long["x"] = to_number(long["raw"])
    long = long.merge(cat, on="kolumn")
    valid = (long["x"] >= 1) & (long["x"] <= long["max_valid"]) & (long["x"] % 1 == 0)
    long = long[valid]

    # which cells each respondent belongs to
    members = [answers[["_resp"]].assign(enhet=WHOLE, group_type=TOTAL[0],
                                         group_value=TOTAL[1], split=np.nan)]
    if org is not None and "enhet" in answers:
        pairs = subtree_membership(org)
        on_unit = answers[["_resp", "enhet"]].dropna().merge(pairs, left_on="enhet", right_on="unit")
        members.append(pd.DataFrame({
            "_resp": on_unit["_resp"], "enhet": on_unit["cell_unit"],
            "group_type": TOTAL[0], "group_value": TOTAL[1],
            "split": on_unit["cell_unit"].map(split_of_unit(org)),
        }))
    for var in BACKGROUND[source]:
        if var in answers:
            members.append(pd.DataFrame({
                "_resp": answers["_resp"], "enhet": WHOLE, "group_type": var,
                "group_value": answers[var].fillna(OKANT), "split": "bg:" + var,
            }))
    members = pd.concat(members, ignore_index=True)

    data = long.merge(members, on="_resp")
    data["measure_id"] = source + "." + data["matt"]
    data["wx"] = data["_w"] * data["x"]
    data["w2"] = data["_w"] ** 2
    data["w_pos"] = data["_w"] * (data["x"] <= 2)
    keys = ["measure_id", "enhet", "group_type", "group_value"]
    cells = data.groupby(keys, as_index=False).agg(
        matt=("matt", "first"), kind=("kind", "first"), k=("k", "first"),
        split=("split", "first"), n_answers=("x", "size"),
        sw=("_w", "sum"), swx=("wx", "sum"), sw2=("w2", "sum"), swpos=("w_pos", "sum"))

    # weighted variance around each cell's weighted mean
    cells["m"] = cells["swx"] / cells["sw"]
    data = data.merge(cells[keys + ["m"]], on=keys)
    data["dev2"] = data["_w"] * (data["x"] - data["m"]) ** 2
    cells = cells.merge(data.groupby(keys, as_index=False)["dev2"].sum(), on=keys)
    # the code of the unit each total cell is for (the root's for the municipality cell): the
    # tie-break key of that unit's own group
    unit_cell = cells["group_type"] == TOTAL[0]
    root = org.loc[org["overordnad"].isna(), "enhet"].iloc[0] if org is not None and len(org) else np.nan
    cells["unit_code"] = np.where(unit_cell, cells["enhet"].where(cells["enhet"] != WHOLE, root), np.nan)
    cells["unit_code"] = cells["unit_code"].astype(object).where(cells["unit_code"].notna(), None)
    return add_value_and_interval(cells)


def add_value_and_interval(cells: pd.DataFrame) -> pd.DataFrame:
    n_eff = cells["sw"] ** 2 / cells["sw2"]
    scale = cells["kind"] == "scale"
    with np.errstate(divide="ignore", invalid="ignore"):
        # 1-K index
        to_index = 100 / (cells["k"] - 1)
        s2 = cells["dev2"] / cells["sw"] * n_eff / (n_eff - 1)
        half_mean = Z * np.sqrt(s2 / n_eff)
        # verbal4 share
        p = cells["swpos"] / cells["sw"]
        half_p = Z * np.sqrt(p * (1 - p) / n_eff)
    cells["value"] = np.where(scale, (cells["m"] - 1) * to_index, p * 100)
    low = np.where(scale, (cells["m"] - half_mean - 1) * to_index, (p - half_p) * 100)
    high = np.where(scale, (cells["m"] + half_mean - 1) * to_index, (p + half_p) * 100)
    no_ci = n_eff <= 1
    cells["ci_low"] = np.where(no_ci, np.nan, np.clip(low, 0, 100))
    cells["ci_high"] = np.where(no_ci, np.nan, np.clip(high, 0, 100))
    return cells


# --------------------------------------------------------------------------------------------
# Aggregates and suppression
# --------------------------------------------------------------------------------------------
def aggregate_cells(questions: pd.DataFrame, catalogues: pd.DataFrame) -> pd.DataFrame:
    """Aggregate measures: mean of the questions' values where all of them have a cell."""
    groups = catalogues.dropna(subset=["grupp"])
    if groups.empty:
        return pd.DataFrame()
    groups = groups.assign(code=groups["grupp"].str.split(",")).explode("code")
    groups["code"] = groups["code"].str.strip()
    groups = groups[groups["code"] != ""]
    # a group whose questions have different units is refused: no cells
    units = groups.groupby(["source", "year", "code"])["unit"].nunique()
    groups = groups.set_index(["source", "year", "code"]).loc[units[units == 1].index].reset_index()
    size = groups.groupby(["source", "year", "code"]).size().rename("n_questions").reset_index()

    q = questions.merge(groups[["source", "year", "matt", "code"]], on=["source", "year", "matt"])
    keys = ["source", "year", "code", "kommunkod", "enhet", "group_type", "group_value"]
    agg = q.groupby(keys, as_index=False).agg(
        value=("value", "mean"), n_answers=("n_answers", "min"), n_present=("matt", "size"),
        any_suppressed=("suppressed", "any"), split=("split", "first"), limit=("limit", "first"),
        unit_code=("unit_code", "first"), own_n=("own_n", "min"))
    agg = agg.merge(size, on=["source", "year", "code"])
    agg = agg[agg["n_present"] == agg["n_questions"]].copy()
    agg["measure_id"] = agg["source"] + "." + agg["code"]
    agg["ci_low"] = np.nan
    agg["ci_high"] = np.nan
    return agg


def own_group_n(cells: pd.DataFrame) -> pd.Series:
    """For question cells: the n of the unit's own group, i.e. the respondents on the unit itself
    and in none of its children's cells = the unit's n minus the sum of its children's n (NaN for
    background groups). A unit's children are the cells whose split is "unit:" + its enhet."""
    keys = ["measure_id", "kommunkod", "year", "split"]
    children = cells[cells["split"].notna()].groupby(keys)["n_answers"].sum()
    own_split = ("unit:" + cells["enhet"]).rename("split")
    lookup = pd.concat([cells[keys[:3]], own_split], axis=1)
    children_n = pd.Series(children.reindex(pd.MultiIndex.from_frame(lookup)).to_numpy(), index=cells.index)
    own = cells["n_answers"] - children_n.fillna(0)
    return own.where(cells["group_type"] == TOTAL[0])


def suppress(cells: pd.DataFrame, forced: pd.Series | None = None) -> pd.Series:
    """Rules (a) and (b) for one pass; returns the suppressed flag.

    Every split of a unit's children gets one more member, the unit's own group (n = own_n,
    tie-break key = unit_code), unless its n is 0; it is never returned."""
    after_a = cells["n_answers"] < cells["limit"]
    if forced is not None:
        after_a = after_a | forced
    split_keys = ["measure_id", "kommunkod", "year", "split"]
    real = cells[cells["split"].notna()].assign(after_a=after_a, own=False)
    # tie-break on the split's own label: enhet for units, group_value for background groups
    real["tie"] = np.where(real["group_type"] == "total", real["enhet"], real["group_value"])
    has_own = cells["unit_code"].notna() & (cells["own_n"] > 0)
    owners = cells[has_own]
    own = pd.DataFrame({
        "measure_id": owners["measure_id"], "kommunkod": owners["kommunkod"], "year": owners["year"],
        "split": "unit:" + owners["enhet"], "n_answers": owners["own_n"],
        "after_a": owners["own_n"] < owners["limit"], "own": True, "tie": owners["unit_code"],
    })
    splits = pd.concat([real[split_keys + ["n_answers", "after_a", "own", "tie"]], own])
    splits["n_hidden"] = splits.groupby(split_keys)["after_a"].transform("sum")
    # (b): in a split with exactly one hidden member, the smallest other member is hidden too
    # (when that is the own group, nothing more is hidden)
    candidates = splits[(splits["n_hidden"] == 1) & ~splits["after_a"]]
    first = candidates.sort_values(["n_answers", "tie"]).groupby(split_keys).head(1)
    chosen = first.index[~first["own"].to_numpy()]
    result = after_a.copy()
    result.loc[chosen] = True
    return result


# --------------------------------------------------------------------------------------------
# Kolada
# --------------------------------------------------------------------------------------------
def kolada_cells(raw_dir: Path, years: list[int] | None) -> pd.DataFrame:
    frames = []
    for path in sorted((raw_dir / "kolada").glob("*.json")):
        if path.name == "kpi.json":
            continue
        doc = json.loads(path.read_text(encoding="utf-8-sig"))
        if not doc.get("values"):
            continue
        flat = pd.json_normalize(doc["values"], record_path="values",
                                 meta=["kpi", "municipality", "period"])
        frames.append(flat)
    if not frames:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    k = pd.concat(frames, ignore_index=True)
    k = k[k["gender"].isin(["T", "K", "M"])]
    out = pd.DataFrame({
        "measure_id": "kolada." + k["kpi"].astype(str),
        "kommunkod": k["municipality"].astype(str).str.zfill(4),
        "year": k["period"].astype(int),
        "enhet": WHOLE,
        "group_type": np.where(k["gender"] == "T", "total", "kon"),
        "group_value": np.where(k["gender"] == "T", "Totalt", k["gender"]),
        "value": pd.to_numeric(k["value"], errors="coerce"),
        "n_answers": np.nan, "ci_low": np.nan, "ci_high": np.nan, "suppressed": False,
    })
    if years is not None:
        out = out[out["year"].isin(years)]
    return out.drop_duplicates(CELL_KEYS, keep="last")


# --------------------------------------------------------------------------------------------
# Everything
# --------------------------------------------------------------------------------------------
def survey_questions(raw_dir: Path, years: list[int] | None):
    """Question cells (before suppression) and the catalogues, for every answer file."""
    cells, catalogues = [], []
    for source in SURVEYS:
        for year_dir in sorted((raw_dir / source).glob("[0-9][0-9][0-9][0-9]")):
            year = int(year_dir.name)
            if years is not None and year not in years:
                continue
            cat_path = next((p for p in (year_dir / "fragor.csv", year_dir / "fragor.xlsx")
                             if p.exists()), None)
            if cat_path is None:
                continue
            cat = read_catalogue(cat_path)
            catalogues.append(cat.assign(source=source, year=year))
            for path in sorted(year_dir.iterdir()):
                if not re.fullmatch(r"\d{4}\.(csv|xlsx)", path.name.lower()):
                    continue
                kod = path.name[:4]
                org = read_organisation(raw_dir / "organisation" / str(year) / f"{kod}.csv")
                c = question_cells(source, read_table(path), cat, org)
                cells.append(c.assign(source=source, year=year, kommunkod=kod,
                                      limit=read_limit(raw_dir, year, kod)))
    if not cells:
        return None, None
    return pd.concat(cells, ignore_index=True), pd.concat(catalogues, ignore_index=True)


def compute_cells(raw_dir: Path, years: list[int] | None = None) -> pd.DataFrame:
    """All rows of fct_measure_value for the raw directory (optionally only some years)."""
    raw_dir = Path(raw_dir)
    parts = [kolada_cells(raw_dir, years)]
    questions, catalogues = survey_questions(raw_dir, years)
    if questions is not None and not questions.empty:
        questions["own_n"] = own_group_n(questions)
        questions["suppressed"] = suppress(questions)                  # pass 1
        aggregates = aggregate_cells(questions, catalogues)
        if not aggregates.empty:
            aggregates["suppressed"] = suppress(aggregates, aggregates["any_suppressed"])  # pass 2
        parts += [questions, aggregates]

    parts = [p[OUTPUT_COLUMNS] for p in parts if not p.empty]
    if not parts:
        return pd.DataFrame(columns=OUTPUT_COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    hidden = out["suppressed"].astype(bool)
    out.loc[hidden, ["value", "ci_low", "ci_high"]] = np.nan
    out["enhet"] = out["enhet"].where(out["enhet"] != WHOLE, None)
    out["year"] = out["year"].astype(int)
    out["n_answers"] = out["n_answers"].astype("Int64")
    out["suppressed"] = hidden
    for col in ("value", "ci_low", "ci_high"):
        out[col] = out[col].astype(float)
    order = out.assign(_e=out["enhet"].fillna(""))
    order = order.sort_values(["measure_id", "kommunkod", "year", "_e", "group_type", "group_value"])
    return out.loc[order.index].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fct_measure_value computed with plain pandas")
    parser.add_argument("raw_dir", type=Path)
    parser.add_argument("out_csv", type=Path)
    parser.add_argument("--year", type=int, action="append", help="only this year (repeatable)")
    args = parser.parse_args(argv)
    if not args.raw_dir.is_dir():
        print(f"no raw directory: {args.raw_dir}", file=sys.stderr)
        return 2
    cells = compute_cells(args.raw_dir, args.year)
    args.out_csv.parent.mkdir(parents=True, exist_ok=True)
    cells.to_csv(args.out_csv, index=False)
    print(f"{len(cells)} cells -> {args.out_csv}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
