"""The seeded demo-data generator (pipelines/demo/generate.py) and the committed demo set in raw/.

Everything here reads the raw files the way a user would (pandas, each file under its own
encoding and delimiter), so the checks hold for the committed files, not only for the generator's
own summary. Only the small profile is tested (it takes about a second); the large and national
profiles are benchmarks.
"""
from __future__ import annotations

import codecs
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipelines.demo.generate import SOURCES, generate

REPO = Path(__file__).resolve().parent.parent
RAW = REPO / "raw"
KODS = ("0483", "0884")
YEARS = (2020, 2021, 2022)
AGE_GROUPS = {"18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", ""}
ORG_TYPES = {"kommun", "namnd", "styrelse", "forvaltning", "bolag", "forbund", "verksamhet", "enhet", "arbetsplats"}


def generated_files(root: Path) -> list[str]:
    """Relative paths of every file in the source folders the generator owns."""
    return sorted(p.relative_to(root).as_posix() for source in SOURCES if (root / source).is_dir()
                  for p in (root / source).rglob("*") if p.is_file())


def detect(path: Path) -> tuple[str, str]:
    """(encoding, delimiter) of a CSV file, as the contract allows them."""
    data = path.read_bytes()
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        try:
            data.decode("utf-8")
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    header = data.decode(encoding).splitlines()[0]
    return encoding, (";" if header.count(";") >= header.count(",") else ",")


def read_table(path: Path) -> pd.DataFrame:
    """A raw table as text cells ('' = blank) with headers trimmed and lower-cased."""
    if path.suffix == ".xlsx":
        df = pd.read_excel(path, sheet_name=0, dtype=object)
        df = df.map(lambda v: "" if pd.isna(v) else str(int(v)) if isinstance(v, (int, float)) and float(v).is_integer()
                    else str(v))
    else:
        encoding, sep = detect(path)
        df = pd.read_csv(path, sep=sep, encoding=encoding, dtype=str, keep_default_na=False)
    df.columns = [str(c).strip().lower() for c in df.columns]
    return df


def answer_file(source: str, year: int, kod: str) -> Path:
    folder = RAW / source / str(year)
    return next(p for p in (folder / f"{kod}.csv", folder / f"{kod}.xlsx") if p.exists())


def codes(series: pd.Series) -> pd.Series:
    """Answer codes as floats, blank = NaN."""
    return pd.to_numeric(series.replace("", np.nan))


def index_of(answers: pd.Series, top: int, weights: pd.Series | None = None) -> float:
    x = codes(answers)
    valid = x.between(1, top)
    w = pd.Series(1.0, index=x.index) if weights is None else weights
    mean = (x[valid] * w[valid]).sum() / w[valid].sum()
    return (mean - 1) * 100 / (top - 1)


def hme_total(answers: pd.DataFrame, catalogue: pd.DataFrame) -> float:
    """Mean of the nine HME question indices (mean - 1) * 25 over valid answers."""
    hme = catalogue[catalogue["grupp"].str.split(",").apply(lambda g: "HME" in g)]
    assert len(hme) == 9
    return float(np.mean([index_of(answers[k.lower()], 5) for k in hme["kolumn"]]))


def weight_of(df: pd.DataFrame) -> pd.Series:
    return pd.to_numeric(df["vikt"].str.replace(",", ".", regex=False))


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory) -> tuple[Path, dict]:
    """The small profile regenerated into a directory that also holds files it must not touch."""
    out = tmp_path_factory.mktemp("demo")
    (out / "styrmodell" / "2022").mkdir(parents=True)
    (out / "styrmodell" / "2022" / "0483.yml").write_text("malkompass: [Service]\n", encoding="utf-8")
    (out / "README.md").write_text("keep me\n", encoding="utf-8")
    (out / "medarbetarenkat" / "2019").mkdir(parents=True)
    (out / "medarbetarenkat" / "2019" / "0483.csv").write_text("stale\n", encoding="utf-8")
    summary = generate(out, profile="small", seed=2024)
    return out, summary


def test_regenerating_the_small_profile_reproduces_raw_byte_for_byte(regenerated):
    out, _ = regenerated
    committed = generated_files(RAW)
    assert committed, "raw/ holds no demo set: run `make demo-data`"
    assert generated_files(out) == committed
    differing = [rel for rel in committed if (out / rel).read_bytes() != (RAW / rel).read_bytes()]
    assert not differing, f"regenerated files differ from the committed raw/: {differing}"


def test_generator_rewrites_only_its_own_source_folders(regenerated):
    out, summary = regenerated
    assert (out / "styrmodell" / "2022" / "0483.yml").read_text(encoding="utf-8") == "malkompass: [Service]\n"
    assert (out / "README.md").read_text(encoding="utf-8") == "keep me\n"
    assert not (out / "medarbetarenkat" / "2019").exists()  # wiped with its source folder
    assert summary["files"] == len(generated_files(out))


def test_expected_files_exist():
    for year in YEARS:
        for source in ("medarbetarenkat", "medborgarundersokning", "intern_enkat"):
            assert (RAW / source / str(year) / "fragor.csv").is_file()
        for kod in KODS:
            assert (RAW / "organisation" / str(year) / f"{kod}.csv").is_file()
            assert (RAW / "medarbetarenkat" / str(year) / f"{kod}.csv").is_file()
            assert answer_file("medborgarundersokning", year, kod).is_file()
        assert (RAW / "intern_enkat" / str(year) / "0483.csv").is_file()
    assert (RAW / "medborgarundersokning" / "2022" / "0884.xlsx").is_file()
    assert (RAW / "kolada" / "kolada.json").is_file() and (RAW / "kolada" / "kpi.json").is_file()


def test_every_file_parses_under_its_encoding():
    seen = set()
    for rel in generated_files(RAW):
        path = RAW / rel
        if path.suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            assert doc["count"] == len(doc["values"]) or rel.endswith("kpi.json")
            continue
        df = read_table(path)
        assert len(df) > 0 and len(df.columns) >= 4, rel
        assert all(c for c in df.columns), rel
        seen.add(("xlsx",) if path.suffix == ".xlsx" else detect(path))
    # The file mechanics the demo is meant to exercise.
    assert {("utf-8", ";"), ("utf-8", ","), ("cp1252", ","), ("utf-8-sig", ";"), ("xlsx",)} <= seen
    for year in YEARS:
        for source in ("organisation", "medarbetarenkat"):
            assert detect(RAW / source / str(year) / "0884.csv") == ("cp1252", ",")
            assert detect(RAW / source / str(year) / "0483.csv") == ("utf-8", ";")
    assert (RAW / "medborgarundersokning" / "2021" / "0483.csv").read_bytes().startswith(codecs.BOM_UTF8)
    odd = (RAW / "medarbetarenkat" / "2021" / "0483.csv").read_text(encoding="utf-8").splitlines()[0]
    assert odd.startswith(" Svarsid;")


def test_organisation_trees():
    names = {}
    for kod in KODS:
        for year in YEARS:
            org = read_table(RAW / "organisation" / str(year) / f"{kod}.csv")
            assert list(org.columns) == ["enhet", "namn", "overordnad", "typ"]
            assert org["enhet"].is_unique and set(org["typ"]) <= ORG_TYPES
            roots = org[org["overordnad"] == ""]
            assert len(roots) == 1 and roots["typ"].iloc[0] == "kommun"
            parent = dict(zip(org["enhet"], org["overordnad"]))
            assert set(parent.values()) - {""} <= set(parent)

            def depth(code: str) -> int:
                d = 0
                while parent[code]:
                    code, d = parent[code], d + 1
                    assert d < 10, "cycle"
                return d

            depths = [depth(c) for c in org["enhet"]]
            assert max(depths) in (3, 4) and 25 <= len(org) <= 45
            assert {"styrelse", "namnd", "forvaltning", "bolag", "forbund", "verksamhet"} <= set(org["typ"])
            names[kod, year] = dict(zip(org["enhet"], org["namn"]))
    for code in ("KLF", "KLF-EK", "KLF-HR", "KLF-IT", "KLF-KOM"):
        assert all(code in names["0483", y] for y in YEARS)
    for kod in KODS:
        assert set(names[kod, 2021]) - set(names[kod, 2020]), "a unit is added in 2021"
        renamed = [c for c in names[kod, 2021] if names[kod, 2022].get(c, names[kod, 2021][c]) != names[kod, 2021][c]]
        assert renamed, "a unit is renamed in 2022"


def test_staff_catalogue_and_renamed_question():
    cats = {y: read_table(RAW / "medarbetarenkat" / str(y) / "fragor.csv") for y in YEARS}
    for cat in cats.values():
        assert list(cat.columns) == ["kolumn", "matt", "text", "skala", "grupp"]
        assert cat["matt"].is_unique and cat["kolumn"].is_unique
        hme = cat[cat["matt"].str.startswith("HME_")]
        assert len(hme) == 9 and set(hme["skala"]) == {"1-5"}
        assert set(hme["grupp"]) == {"HME,HME_MOTIVATION", "HME,HME_LEDARSKAP", "HME,HME_STYRNING"}
        assert (cat["grupp"] == "CHEFSINDEX").sum() == 3 and len(cat) >= 15
    old = cats[2021].set_index("matt")
    new = cats[2022].set_index("matt")
    renamed = [m for m in old.index if old.at[m, "kolumn"] != new.at[m, "kolumn"]]
    assert len(renamed) == 1 and old.at[renamed[0], "text"] != new.at[renamed[0], "text"]


def test_staff_hme_per_municipality_from_raw_answers():
    kolada = json.loads((RAW / "kolada" / "kolada.json").read_text(encoding="utf-8"))
    u00200 = {(r["municipality"], r["period"]): v["value"] for r in kolada["values"] if r["kpi"] == "U00200"
              for v in r["values"] if v["gender"] == "T"}
    for year in YEARS:
        cat = read_table(RAW / "medarbetarenkat" / str(year) / "fragor.csv")
        for kod in KODS:
            answers = read_table(RAW / "medarbetarenkat" / str(year) / f"{kod}.csv")
            hme = hme_total(answers, cat)
            assert 70 <= hme <= 85, (kod, year, hme)
            if (kod, year) in u00200:
                assert abs(hme - u00200[kod, year]) < 0.5, (kod, year, hme, u00200[kod, year])
            # Units differ: the HME of the bigger units spreads over several points.
            per_unit = [hme_total(g, cat) for _, g in answers.groupby("enhet") if len(g) >= 30]
            assert np.std(per_unit) > 1.5 and max(per_unit) - min(per_unit) > 6


def test_staff_answer_counts_and_codes_are_plausible():
    expected = {"0483": (2000, 2700), "0884": (900, 1300)}
    for year in YEARS:
        cat = read_table(RAW / "medarbetarenkat" / str(year) / "fragor.csv")
        tops = {k: int(s.split("-")[1]) for k, s in zip(cat["kolumn"], cat["skala"])}
        for kod in KODS:
            df = read_table(RAW / "medarbetarenkat" / str(year) / f"{kod}.csv")
            org = read_table(RAW / "organisation" / str(year) / f"{kod}.csv")
            assert list(df.columns) == ["svarsid", "enhet", "kon"] + list(cat["kolumn"]) + ["kommentar"]
            lo, hi = expected[kod]
            assert lo <= len(df) <= hi and df["svarsid"].is_unique
            assert set(df["enhet"]) <= set(org["enhet"]) and set(df["kon"]) <= {"K", "M", ""}
            per_unit = df["enhet"].value_counts().reindex(org["enhet"], fill_value=0)
            assert per_unit.max() <= 170
            assert (per_unit == 0).any() and per_unit.between(1, 4).any()
            leaves = set(org["enhet"]) - set(org["overordnad"])
            assert (df["enhet"].isin(leaves)).mean() > 0.85  # mostly on leaves, some on middle levels
            assert not df["enhet"].isin(leaves).all()
            for k, top in tops.items():
                x = codes(df[k])
                assert x.dropna().between(1, top + 1).all(), (kod, year, k)
            comments = df["kommentar"][df["kommentar"] != ""]
            assert 0.03 < len(comments) / len(df) < 0.15
            assert comments.str.contains(",").any() and comments.str.contains(";").any()


def test_vet_ej_and_blanks_occur():
    for year in YEARS:
        cat = read_table(RAW / "medarbetarenkat" / str(year) / "fragor.csv")
        tops = {k: int(s.split("-")[1]) for k, s in zip(cat["kolumn"], cat["skala"])}
        for kod in KODS:
            df = read_table(RAW / "medarbetarenkat" / str(year) / f"{kod}.csv")
            cells = sum(len(df) for _ in tops)
            vet_ej = sum((codes(df[k]) == top + 1).sum() for k, top in tops.items()) / cells
            blank = sum((df[k] == "").sum() for k in tops) / cells
            assert 0.015 <= vet_ej <= 0.05 and 0.005 <= blank <= 0.04, (kod, year, vet_ej, blank)
    # Old citizen design: "vet ej" (11) is frequent for services few people use.
    cat = read_table(RAW / "medborgarundersokning" / "2020" / "fragor.csv")
    col = cat.loc[cat["matt"].str.startswith("NMI_ALDREOMSORG"), "kolumn"].iloc[0]
    for kod in KODS:
        df = read_table(answer_file("medborgarundersokning", 2020, kod))
        assert 0.25 <= (df[col] == "11").mean() <= 0.55
    for kod in KODS:
        df = read_table(answer_file("medborgarundersokning", 2022, kod))
        assert (df.iloc[:, 4:] == "5").to_numpy().mean() > 0.05 and (df.iloc[:, 4:] == "").to_numpy().any()
    df = read_table(RAW / "intern_enkat" / "2022" / "0483.csv")
    assert (df.iloc[:, 4:-1] == "7").to_numpy().any() and (df.iloc[:, 4:-1] == "").to_numpy().any()


def test_citizen_survey_designs_weights_and_kolada_shares():
    for year in YEARS:
        cat = read_table(RAW / "medborgarundersokning" / str(year) / "fragor.csv")
        scales = set(cat["skala"])
        assert scales == ({"1-10"} if year == 2020 else {"verbal4"})
        assert 14 <= len(cat) <= 30 and cat["matt"].is_unique
        for kod in KODS:
            df = read_table(answer_file("medborgarundersokning", year, kod))
            assert list(df.columns) == ["lopnr", "kon", "aldersgrupp", "vikt"] + list(cat["kolumn"])
            assert 350 <= len(df) <= 650 and df["lopnr"].is_unique
            assert set(df["kon"]) <= {"K", "M", ""} and set(df["aldersgrupp"]) <= AGE_GROUPS
            w = weight_of(df)
            assert (w > 0).all() and w.min() >= 0.4 and w.max() <= 3.5
            if year == 2020:
                for grupp in ("NRI", "NMI", "NII"):
                    qs = cat.loc[cat["grupp"].str.split(",").apply(lambda g: grupp in g), "kolumn"]
                    value = np.mean([index_of(df[k], 10, w) for k in qs])
                    assert 35 <= value <= 75, (kod, grupp, value)
    assert "," in read_table(RAW / "medborgarundersokning" / "2020" / "0483.csv")["vikt"].iloc[0]
    # Katrineholm 2021: the shares land on Kolada N00667-N00670.
    df = read_table(RAW / "medborgarundersokning" / "2021" / "0483.csv")
    w = weight_of(df)
    for column, kolada_value in (("bra_plats", 90.1), ("verksamheter", 86.6), ("inflytande", 20.2),
                                 ("rekommendera", 52.9)):
        x = codes(df[column])
        valid = x.between(1, 4)
        share = w[valid & (x <= 2)].sum() / w[valid].sum() * 100
        assert abs(share - kolada_value) < 1.5, (column, share)


def test_internal_surveys():
    for year in YEARS:
        cat = read_table(RAW / "intern_enkat" / str(year) / "fragor.csv")
        assert set(cat["skala"]) == {"1-6"} and {"STOD_1", "STOD_2", "OMVARLD", "PLANERING", "ARENDE"} <= set(cat["matt"])
        df = read_table(RAW / "intern_enkat" / str(year) / "0483.csv")
        assert list(df.columns) == ["svarsid", "enkat", "respondentgrupp", "enhet"] + list(cat["kolumn"]) + ["kommentar"]
        assert df["svarsid"].is_unique and set(df["enkat"]) == {"uppdragsgivare", "mottagare"}
        principal = df[df["enkat"] == "uppdragsgivare"]
        assert set(principal["respondentgrupp"]) == {"Kommunstyrelsen"} and 11 <= len(principal) <= 15
        groups = df[df["enkat"] == "mottagare"]["respondentgrupp"].value_counts()
        assert len(groups) >= 3 and groups.between(8, 30).all()
        assert set(df["enhet"]) <= {"KLF", "KLF-EK", "KLF-HR", "KLF-IT", "KLF-KOM"}
        for k in cat["kolumn"]:
            assert 45 <= index_of(df[k], 6) <= 90


def test_kolada_subset_covers_all_municipalities_regions_and_the_country():
    doc = json.loads((RAW / "kolada" / "kolada.json").read_text(encoding="utf-8"))
    assert doc["count"] == len(doc["values"])
    assert {r["period"] for r in doc["values"]} == {2019, 2020, 2021, 2022}
    munis = {r["municipality"] for r in doc["values"]}
    assert "0000" in munis and "0001" in munis and {"0483", "0884"} <= munis and len(munis) > 250
    source = json.loads((REPO / "pipelines" / "demo" / "data" / "kolada_dev.json").read_text(encoding="utf-8"))
    assert doc["values"] == [r for r in source["values"] if 2019 <= r["period"] <= 2022]
    assert (RAW / "kolada" / "kpi.json").read_bytes() == (REPO / "pipelines" / "demo" / "data" / "kpi.json").read_bytes()
