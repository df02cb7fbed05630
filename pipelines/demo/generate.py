"""Seeded generator of demo raw data for the follow-up warehouse.

Writes the raw files of contract section 2 (organisation trees, staff surveys,
citizen surveys, internal principal/recipient surveys and Kolada responses) into
an output directory, so that the pipeline, the dashboards and the benchmarks
have realistic input without real respondent data.

    python -m pipelines.demo.generate --out raw --profile small --seed 2024

Profiles
--------
small     The committed demo (``raw/``): Katrineholm (0483) and Vimmerby (0884),
          2020-2022, hand-drawn organisation trees with real Swedish naming and
          ~2,300 / ~1,100 staff respondents. It exercises the file mechanics the
          contract allows: UTF-8 and Windows-1252, ``;`` and ``,`` delimiters,
          a BOM, CRLF line ends, decimal commas, an ``.xlsx`` answer file, a
          header with odd case/padding, quoted free-text comments.
large     One municipality (0483), one year (2022), 50,000 staff respondents in a
          synthetic tree of ~600 units: the single-municipality scale benchmark.
national  All 290 municipalities, 2013-2022, ~850,000 staff respondents a year,
          the full question banks and the full Kolada file: the shared-service
          scale benchmark.

How the numbers are made
------------------------
Staff survey: every answer is ``round(question mean + unit effect + respondent
effect + noise)`` clipped to the scale, with effects split into a general part,
the three HME sub-indices (motivation, leadership, governance) and workload, so
answers correlate within a respondent and within a unit. A municipality-year
shift is solved for (bisection) so that the HME total computed from the raw
answers lands on Kolada U00200 for that municipality and year (interpolated, or
drawn around the national median, where Kolada has no value). "Vet ej" (K+1)
and blanks (item non-response and break-offs) are drawn per question.

Citizen survey: one latent satisfaction per respondent plus noise per question,
calibration weights from age and sex, "vet ej" depending on age for services
people rarely use. Old design (until 2020): 1-10 answers whose weighted
betygsindex is solved to a target per question; new design (2021 on): verbal
4-point answers whose weighted share of "mycket/ganska bra" is solved to Kolada
N00667-N00670 where Kolada has them (with the K/M gap), else to a plausible
target.

Every random stream is ``numpy.random.default_rng([seed, stream, kommunkod,
year, ...])``, so a municipality-year is the same whatever else is generated and
the small profile is byte-reproducible. Generation is vectorised per
municipality-year (no loop per respondent).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import math
import shutil
import sys
import time
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
REPO_ROOT = PACKAGE_DIR.parents[1]
KOMMUNER_CSV = REPO_ROOT / "dbt_project" / "seeds" / "kommuner.csv"

#: The source folders this generator owns inside the output directory (styrmodell is not one).
SOURCES = ("organisation", "medarbetarenkat", "medborgarundersokning", "intern_enkat", "kolada")
PROFILES = ("small", "large", "national")

AGE_GROUPS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84")
FIRST_NEW_MU_DESIGN = 2021  # SCB's verbal 4-point design replaced the 1-10 design in 2021
XLSX_TIMESTAMP = dt.datetime(2023, 1, 16, 8, 0, 0)

# ---------------------------------------------------------------------------------------------
# Random streams
# ---------------------------------------------------------------------------------------------
_STREAMS = {"tree": 11, "staff": 12, "mu": 13, "intern": 14, "size": 15, "target": 16, "format": 17}


def _rng(seed: int, stream: str, *keys: int) -> np.random.Generator:
    """An independent, reproducible stream for one purpose and one (municipality, year, ...)."""
    return np.random.default_rng([seed, _STREAMS[stream], *[int(k) for k in keys]])


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _norm_ppf(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    lo, hi = -8.0, 8.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if _norm_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


# ---------------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fmt:
    """How one tabular file is written."""

    sep: str = ";"
    encoding: str = "utf-8"  # "utf-8", "utf-8-sig" (BOM) or "cp1252"
    decimal: str = ","  # decimal mark of the weight column
    newline: str = "\n"
    xlsx: bool = False
    header: tuple[tuple[str, str], ...] = ()  # (column, header as written) for odd headers


UTF8_SEMI = Fmt()
UTF8_BOM_SEMI = Fmt(encoding="utf-8-sig", newline="\r\n")
CP1252_COMMA = Fmt(sep=",", encoding="cp1252", decimal=".", newline="\r\n")
UTF8_COMMA = Fmt(sep=",", decimal=".")
XLSX = Fmt(xlsx=True)


def _small_format(source: str, kod: str, year: int) -> Fmt:
    """File mechanics of the committed demo (see raw/README.md)."""
    if kod == "0884" and source in ("organisation", "medarbetarenkat"):
        return CP1252_COMMA
    if source == "medborgarundersokning":
        if kod == "0884":
            return {2020: UTF8_SEMI, 2021: UTF8_COMMA}.get(year, XLSX)
        if year == 2021:
            return UTF8_BOM_SEMI  # saved from Excel as "CSV UTF-8"
    if source == "medarbetarenkat" and kod == "0483" and year == 2021:
        return replace(UTF8_SEMI, header=(("svarsid", " Svarsid"), ("enhet", "Enhet ")))
    return UTF8_SEMI


def _national_format(source: str, kod: str, year: int, seed: int) -> Fmt:
    """A deterministic mix of deliveries: most UTF-8 ';', some Windows-1252 ',', a few BOMs/xlsx."""
    style = _rng(seed, "format", int(kod)).random()
    if source == "medborgarundersokning" and _rng(seed, "format", int(kod), year).random() < 0.01:
        return XLSX
    if style < 0.70:
        return UTF8_SEMI
    if style < 0.90:
        return CP1252_COMMA
    return UTF8_BOM_SEMI


def _write_table(path: Path, df: pd.DataFrame, fmt: Fmt) -> None:
    """Write a frame of text cells ('' = blank) as CSV under ``fmt``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt.header:
        df = df.rename(columns=dict(fmt.header))
    buf = io.StringIO()
    df.to_csv(buf, sep=fmt.sep, index=False, lineterminator=fmt.newline, quoting=csv.QUOTE_MINIMAL)
    path.write_bytes(buf.getvalue().encode(fmt.encoding))


def _write_xlsx(path: Path, df: pd.DataFrame, sheet: str) -> None:
    """Write a typed frame (None = blank) to the first sheet of a byte-reproducible .xlsx."""
    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet)
    ws.append(list(df.columns))
    for row in df.itertuples(index=False, name=None):
        ws.append([None if (v is None or (isinstance(v, float) and math.isnan(v))) else v for v in row])
    wb.properties.creator = "followup demo generator"
    wb.properties.created = XLSX_TIMESTAMP
    wb.properties.modified = XLSX_TIMESTAMP
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    # Rewrite the archive with fixed member timestamps: zipfile stamps members with "now".
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=XLSX_TIMESTAMP.timetuple()[:6])
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o600 << 16
            dst.writestr(member, src.read(info.filename))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue())


def _code_strings(codes: np.ndarray) -> np.ndarray:
    """Answer codes (0 = blank) as text cells."""
    lut = np.array([""] + [str(i) for i in range(1, 13)], dtype=object)
    return lut[codes]


def _fmt_weight(w: np.ndarray, decimal: str) -> np.ndarray:
    text = np.char.mod("%.4f", w).astype(object)
    if decimal == ",":
        text = np.array([t.replace(".", ",") for t in text], dtype=object)
    return text


# ---------------------------------------------------------------------------------------------
# Kolada
# ---------------------------------------------------------------------------------------------
class Kolada:
    """Index over the vendored Kolada dev file."""

    def __init__(self, path: Path = DATA_DIR / "kolada_dev.json") -> None:
        self.path = path
        self.doc = json.loads(path.read_text(encoding="utf-8"))
        self.values: dict[tuple[str, str, int], dict[str, float]] = {}
        for row in self.doc["values"]:
            genders = {v["gender"]: v["value"] for v in row["values"] if v["value"] is not None}
            if genders:
                self.values[(row["kpi"], row["municipality"], int(row["period"]))] = genders

    def get(self, kpi: str, kod: str, year: int) -> dict[str, float] | None:
        return self.values.get((kpi, kod, year))

    def series(self, kpi: str, kod: str) -> dict[int, dict[str, float]]:
        return {y: g for (k, m, y), g in self.values.items() if k == kpi and m == kod}

    def municipal_median(self, kpi: str, year: int) -> float | None:
        vals = [g["T"] for (k, m, y), g in self.values.items()
                if k == kpi and y == year and not m.startswith("00") and "T" in g]
        return float(np.median(vals)) if vals else None

    def write(self, out_dir: Path, periods: tuple[int, int] | None) -> list[Path]:
        """kolada/kolada.json (all rows, or the rows of ``periods`` inclusive) and kolada/kpi.json."""
        target = out_dir / "kolada"
        target.mkdir(parents=True, exist_ok=True)
        data = target / "kolada.json"
        if periods is None:
            shutil.copyfile(self.path, data)
        else:
            rows = [r for r in self.doc["values"] if periods[0] <= int(r["period"]) <= periods[1]]
            # One value row a line: small, diff-friendly, still the API's shape.
            body = ",\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
            data.write_text(f'{{"count": {len(rows)}, "values": [\n{body}\n]}}\n', encoding="utf-8")
        kpi = target / "kpi.json"
        shutil.copyfile(DATA_DIR / "kpi.json", kpi)
        return [data, kpi]


# ---------------------------------------------------------------------------------------------
# Organisation trees
# ---------------------------------------------------------------------------------------------
@dataclass
class Unit:
    code: str
    name: str
    parent: str  # "" for the root
    typ: str
    size: float  # expected respondents (relative weight in synthetic trees)
    start: int = 0  # first year the unit exists (0 = always)
    rename: tuple[int, str] | None = None  # (from year, new name)
    female: float = 0.78  # share of women among its staff


# (code, name, parent, typ, expected respondents[, start year][, (rename year, new name)])
KATRINEHOLM = [
    ("KOMMUN", "Katrineholms kommun", "", "kommun", 0),
    ("KS", "Kommunstyrelsen", "KOMMUN", "styrelse", 0),
    ("BIN", "Bildningsnämnden", "KOMMUN", "namnd", 0),
    ("SN", "Socialnämnden", "KOMMUN", "namnd", 0),
    ("VON", "Vård- och omsorgsnämnden", "KOMMUN", "namnd", 0),
    ("STN", "Service- och tekniknämnden", "KOMMUN", "namnd", 0),
    ("KLF", "Kommunledningsförvaltningen", "KS", "forvaltning", 9),
    ("KLF-EK", "Ekonomi", "KLF", "verksamhet", 31),
    ("KLF-HR", "Personal", "KLF", "verksamhet", 22),
    ("KLF-IT", "IT", "KLF", "verksamhet", 18),
    ("KLF-KOM", "Kommunikation", "KLF", "verksamhet", 3),
    ("KFAB", "Katrineholms Fastighets AB", "KS", "bolag", 0),
    ("VSR", "Västra Sörmlands räddningstjänst", "KS", "forbund", 0),
    ("BIF", "Bildningsförvaltningen", "BIN", "forvaltning", 12),
    ("BIF-FSK", "Förskola", "BIF", "verksamhet", 3),
    ("BIF-FSK-NORR", "Förskoleområde Norr", "BIF-FSK", "enhet", 134),
    ("BIF-FSK-SODER", "Förskoleområde Söder", "BIF-FSK", "enhet", 132),
    ("BIF-GR", "Grundskola", "BIF", "verksamhet", 3),
    ("BIF-GR-JAR", "Järvenskolan", "BIF-GR", "enhet", 134),
    ("BIF-GR-SKO", "Skogsborgsskolan", "BIF-GR", "enhet", 128),
    ("BIF-GR-SAN", "Sandbäcksskolan", "BIF-GR", "enhet", 126),
    ("BIF-GR-BJO", "Björkviks skola", "BIF-GR", "enhet", 3),
    ("BIF-GY", "Gymnasieskola", "BIF", "verksamhet", 2),
    ("BIF-GY-DUV", "Duveholmsgymnasiet", "BIF-GY", "enhet", 135),
    ("BIF-GY-LIN", "Lindengymnasiet", "BIF-GY", "enhet", 94),
    ("SOF", "Socialförvaltningen", "SN", "forvaltning", 12),
    ("SOF-BOU", "Barn och ungdom", "SOF", "verksamhet", 104),
    ("SOF-VUX", "Vuxenenheten", "SOF", "verksamhet", 86),
    ("VOF", "Vård- och omsorgsförvaltningen", "VON", "forvaltning", 12),
    ("VOF-ALD", "Vård- och omsorgsboenden", "VOF", "verksamhet", 5),
    ("VOF-ALD-LOV", "Lövåsgården", "VOF-ALD", "arbetsplats", 133),
    ("VOF-ALD-FUR", "Furuliden", "VOF-ALD", "arbetsplats", 131),
    ("VOF-HEM", "Hemtjänst", "VOF", "verksamhet", 4),
    ("VOF-HEM-NORR", "Hemtjänst Norr", "VOF-HEM", "arbetsplats", 133, 0, (2022, "Hemtjänst Norr och Centrum")),
    ("VOF-HEM-SODER", "Hemtjänst Söder", "VOF-HEM", "arbetsplats", 134),
    ("VOF-HEM-TRY", "Trygg hemgång", "VOF-HEM", "arbetsplats", 31, 2021),
    ("VOF-FS", "Funktionsstöd", "VOF", "verksamhet", 132),
    ("STF", "Service- och teknikförvaltningen", "STN", "forvaltning", 9),
    ("STF-MAL", "Måltidsservice", "STF", "verksamhet", 133),
    ("STF-LOK", "Lokalvård", "STF", "verksamhet", 128),
    ("STF-GATA", "Gata och park", "STF", "verksamhet", 78),
]

VIMMERBY = [
    ("KOMMUN", "Vimmerby kommun", "", "kommun", 0),
    ("KS", "Kommunstyrelsen", "KOMMUN", "styrelse", 0),
    ("BUN", "Barn- och utbildningsnämnden", "KOMMUN", "namnd", 0),
    ("SN", "Socialnämnden", "KOMMUN", "namnd", 0),
    ("BMN", "Bygg- och miljönämnden", "KOMMUN", "namnd", 0),
    ("KLF", "Kommunledningsförvaltningen", "KS", "forvaltning", 9),
    ("KLF-EK", "Ekonomi", "KLF", "verksamhet", 12),
    ("KLF-HR", "Personal", "KLF", "verksamhet", 10),
    ("KLF-IT", "IT", "KLF", "verksamhet", 3),
    ("SBF", "Samhällsbyggnadsförvaltningen", "KS", "forvaltning", 7),
    ("SBF-GATA", "Gata och park", "SBF", "verksamhet", 31),
    ("SBF-KOST", "Kost och lokalvård", "SBF", "verksamhet", 84),
    ("VEMAB", "Vimmerby Energi & Miljö AB", "KS", "bolag", 0),
    ("SYDARK", "Kommunalförbundet Sydarkivera", "KS", "forbund", 0),
    ("BUF", "Barn- och utbildningsförvaltningen", "BUN", "forvaltning", 7),
    ("BUF-FSK", "Förskola", "BUF", "verksamhet", 2),
    ("BUF-FSK-CEN", "Förskolorna i centrala Vimmerby", "BUF-FSK", "enhet", 104),
    ("BUF-FSK-LAN", "Förskolorna på landsbygden", "BUF-FSK", "enhet", 52),
    ("BUF-GR", "Grundskola", "BUF", "verksamhet", 2),
    ("BUF-GR-VIM", "Vimarskolan", "BUF-GR", "enhet", 88),
    ("BUF-GR-TUN", "Tuna skola", "BUF-GR", "enhet", 46),
    ("BUF-GR-SVI", "Södra Vi skola", "BUF-GR", "enhet", 35),
    ("BUF-GR-STO", "Storebro skola", "BUF-GR", "enhet", 3),
    ("BUF-GY", "Vimmerby gymnasium", "BUF", "verksamhet", 64),
    ("SOF", "Socialförvaltningen", "SN", "forvaltning", 9),
    ("SOF-ALD", "Äldreomsorg", "SOF", "verksamhet", 3),
    ("SOF-ALD-BAC", "Bäckagården", "SOF-ALD", "arbetsplats", 92),
    ("SOF-ALD-SOL", "Solhaga", "SOF-ALD", "arbetsplats", 74),
    ("SOF-ALD-HEMV", "Hemtjänst Vimmerby", "SOF-ALD", "arbetsplats", 108, 0, (2022, "Hemtjänst Vimmerby tätort")),
    ("SOF-ALD-HEML", "Hemtjänst landsbygd", "SOF-ALD", "arbetsplats", 68),
    ("SOF-IFO", "Individ- och familjeomsorg", "SOF", "verksamhet", 44),
    ("SOF-IFO-FAM", "Familjecentralen", "SOF-IFO", "enhet", 9, 2021),
    ("SOF-LSS", "Funktionsstöd", "SOF", "verksamhet", 2),
    ("SOF-LSS-ROS", "Gruppbostad Rosenvägen", "SOF-LSS", "arbetsplats", 28),
    ("SOF-LSS-DAG", "Daglig verksamhet", "SOF-LSS", "arbetsplats", 34),
]

_FEMALE_BY_PREFIX = {"KLF": 0.72, "BIF": 0.82, "BUF": 0.82, "SOF": 0.86, "VOF": 0.89, "STF": 0.62,
                     "SBF": 0.55, "SOC": 0.84, "KFF": 0.66, "GATA": 0.22}


def _female_share(code: str) -> float:
    parts = code.split("-")
    for p in reversed(parts):
        if p in _FEMALE_BY_PREFIX:
            return _FEMALE_BY_PREFIX[p]
    return 0.78


def _units_from_table(rows: list[tuple]) -> list[Unit]:
    units = []
    for row in rows:
        code, name, parent, typ, size, *rest = row
        start = rest[0] if rest else 0
        rename = rest[1] if len(rest) > 1 else None
        units.append(Unit(code, name, parent, typ, float(size), start, rename, _female_share(code)))
    return units


@dataclass
class Tree:
    """A municipality's master organisation (all years) with persistent unit effects."""

    kod: str
    units: list[Unit]
    effects: dict[str, np.ndarray] = field(default_factory=dict)  # component -> (n_units,)

    def year(self, year: int) -> pd.DataFrame:
        """The tree of one year: enhet, namn, overordnad, typ plus index into ``units``."""
        rows = []
        for i, u in enumerate(self.units):
            if u.start and year < u.start:
                continue
            name = u.rename[1] if u.rename and year >= u.rename[0] else u.name
            rows.append((u.code, name, u.parent, u.typ, i))
        return pd.DataFrame(rows, columns=["enhet", "namn", "overordnad", "typ", "idx"])


def _attach_effects(tree: Tree, seed: int) -> Tree:
    """Persistent unit effects on the latent answer scale (a unit keeps its character over years)."""
    rng = _rng(seed, "tree", int(tree.kod), 1)
    n = len(tree.units)
    tree.effects = {
        "gen": rng.normal(0.0, 0.17, n),
        "MOT": rng.normal(0.0, 0.11, n),
        "LED": rng.normal(0.0, 0.20, n),
        "STY": rng.normal(0.0, 0.13, n),
        "load": rng.normal(0.0, 0.30, n),
    }
    return tree


def _genitive(name: str) -> str:
    return name if name[-1] in "aeiouyåäösxz" else name + "s"


# Blueprint of a synthetic municipality: förvaltning -> verksamheter -> leaves.
# (code, name, board code, board name, board typ, staff share, female share, verksamheter)
# verksamhet: (code, name, share of the förvaltning, mean leaf size, leaf name pool, leaf typ)
BLUEPRINT = [
    ("KLF", "Kommunledningsförvaltningen", "KS", "Kommunstyrelsen", "styrelse", 0.05, 0.72, [
        ("EK", "Ekonomi", 0.30, 30, "ekonomi", "enhet"),
        ("HR", "Personal", 0.30, 30, "personal", "enhet"),
        ("IT", "IT", 0.25, 30, "it", "enhet"),
        ("KOM", "Kommunikation", 0.15, 30, "kommunikation", "enhet")]),
    ("BUF", "Barn- och utbildningsförvaltningen", "BUN", "Barn- och utbildningsnämnden", "namnd", 0.40, 0.82, [
        ("FSK", "Förskola", 0.36, 55, "forskola", "enhet"),
        ("GR", "Grundskola", 0.46, 75, "grundskola", "enhet"),
        ("GY", "Gymnasieskola", 0.12, 100, "gymnasium", "enhet"),
        ("VUX", "Vuxenutbildning", 0.03, 40, "vux", "enhet"),
        ("EHT", "Elevhälsa", 0.03, 40, "elevhalsa", "enhet")]),
    ("SOC", "Socialförvaltningen", "SN", "Socialnämnden", "namnd", 0.11, 0.84, [
        ("IFO", "Individ- och familjeomsorg", 0.65, 40, "ifo", "enhet"),
        ("AMI", "Arbetsmarknad och integration", 0.35, 40, "ami", "enhet")]),
    ("VOF", "Vård- och omsorgsförvaltningen", "VON", "Vård- och omsorgsnämnden", "namnd", 0.31, 0.89, [
        ("SABO", "Vård- och omsorgsboenden", 0.40, 70, "boende", "arbetsplats"),
        ("HEM", "Hemtjänst", 0.32, 65, "hemtjanst", "arbetsplats"),
        ("FS", "Funktionsstöd", 0.22, 40, "funktionsstod", "arbetsplats"),
        ("HSL", "Hälso- och sjukvård", 0.06, 40, "hsl", "enhet")]),
    ("STF", "Service- och teknikförvaltningen", "TN", "Tekniska nämnden", "namnd", 0.08, 0.62, [
        ("MAL", "Måltidsservice", 0.45, 40, "kok", "arbetsplats"),
        ("LOK", "Lokalvård", 0.35, 40, "lokalvard", "arbetsplats"),
        ("GATA", "Gata och park", 0.20, 35, "gata", "arbetsplats")]),
    ("KFF", "Kultur- och fritidsförvaltningen", "KFN", "Kultur- och fritidsnämnden", "namnd", 0.03, 0.66, [
        ("BIB", "Bibliotek", 0.55, 25, "bibliotek", "enhet"),
        ("FRI", "Fritid", 0.45, 25, "fritid", "enhet")]),
    ("SBF", "Samhällsbyggnadsförvaltningen", "MBN", "Miljö- och byggnadsnämnden", "namnd", 0.02, 0.55, [
        ("BYGG", "Bygglov", 0.40, 30, "bygg", "enhet"),
        ("MILJO", "Miljö- och hälsoskydd", 0.40, 30, "miljo", "enhet"),
        ("PLAN", "Plan och exploatering", 0.20, 30, "plan", "enhet")]),
]

_STEMS = ["Björk", "Ek", "Lind", "Tall", "Gran", "Rönn", "Hassel", "Al", "Lönn", "Ask", "Sälg", "Ljung",
          "Sol", "Sjö", "Berg", "Dal", "Hag", "Strand", "Skogs", "Ängs", "Bäck", "Kvarn", "Mo", "Ås",
          "Vik", "Näs", "Holm", "Backa", "Kyrk", "Park", "Torp", "Lund", "Hed", "Stens", "Bro", "Hult",
          "Myr", "Fors", "Löv", "Ros", "Sand", "Kulla", "Ljus", "Stjärn", "Tuna", "Hammar", "Nyhems",
          "Fridhems", "Ekbacks", "Solbergs", "Rosen", "Vall", "Klint", "Udd", "Mal", "Råby", "Ugglums",
          "Tallbacks", "Granbergs", "Björkhaga"]
_PRESCHOOL = ["Ugglan", "Igelkotten", "Ekorren", "Solrosen", "Blåklockan", "Myran", "Nyckelpigan",
              "Lärkan", "Svalan", "Tussilagon", "Vitsippan", "Regnbågen", "Trollskogen", "Skogsbrynet",
              "Ängen", "Humlan", "Fjärilen", "Kotten", "Stjärnan", "Månen", "Snäckan", "Bäcken",
              "Lyckan", "Sagan", "Tittut", "Kastanjen", "Linden", "Smultronet", "Blåbäret", "Lingonet",
              "Gläntan", "Backsippan", "Kojan", "Paletten", "Äventyret", "Kompassen", "Spiran",
              "Lönnen", "Rönnbäret", "Eken", "Hasseln", "Fröet", "Dungen", "Lärkstigen", "Pärlan"]
_AREAS = ["Norr", "Söder", "Öster", "Väster", "Centrum", "Landsbygd", "Syd", "Nord", "Väst", "Öst"]
_LEAF_NAMES = {
    "ekonomi": ["Redovisning", "Budget och analys", "Upphandling", "Lön", "Ekonomiservice", "Controller"],
    "personal": ["HR-service", "Lön och pension", "Arbetsmiljö och hälsa", "Kompetensförsörjning", "Bemanning"],
    "it": ["IT-support", "Drift och infrastruktur", "Digitalisering", "Systemförvaltning", "Informationssäkerhet"],
    "kommunikation": ["Webb och digitala kanaler", "Kontaktcenter", "Presstjänst", "Grafisk produktion"],
    "vux": ["Vuxenutbildningen", "SFI", "Lärcentrum", "Yrkesvux"],
    "elevhalsa": ["Elevhälsan {a}", "Centrala elevhälsan", "Barn- och elevhälsa {a}"],
    "ifo": ["Barn och unga", "Vuxenenheten", "Ekonomiskt bistånd", "Familjerätt", "Mottagningsenheten",
            "Familjecentralen", "Ungdomsmottagningen", "Beroendeenheten", "Öppenvården", "Familjehem"],
    "ami": ["Arbetsmarknadsenheten", "Integrationsenheten", "Jobbcenter", "Daglig sysselsättning",
            "Feriearbeten", "Samhällsorientering"],
    "hsl": ["Sjuksköterskor {a}", "Rehabilitering {a}", "Nattsjuksköterskor", "Hemsjukvård {a}"],
    "bibliotek": ["Stadsbiblioteket", "Biblioteket {s}", "Skolbiblioteken", "Bokbussen"],
    "fritid": ["Fritidsgården {s}", "Simhallen", "Idrottsplatserna", "Fritidsgården {a}", "Föreningsstöd"],
    "bygg": ["Bygglov"], "miljo": ["Miljö- och hälsoskydd"], "plan": ["Plan och exploatering"],
}
_LEAF_TEMPLATES = {
    "forskola": "Förskolan {p}", "grundskola": "{s}skolan", "gymnasium": "{s}gymnasiet",
    "boende": "{s}gården", "hemtjanst": "Hemtjänst {a}", "funktionsstod": "Gruppbostad {s}vägen",
    "kok": "Köket {s}skolan", "lokalvard": "Lokalvård {a}", "gata": "Gata och park {a}",
}


_SUFFIXES = ["dal", "berg", "vik", "lund", "hag", "torp", "mo", "näs"]
_PRESCHOOL_SUFFIXES = ["dalen", "backen", "hagen", "gläntan", "lunden", "viken", "ängen", "kullen"]


def _leaf_names(pool: str, k: int, rng: np.random.Generator) -> list[str]:
    """``k`` unit names from a pool: compound Swedish place names, no running numbers."""
    stems = [str(s) for s in rng.permutation(_STEMS)]
    pre = [str(p) for p in rng.permutation(_PRESCHOOL)]
    roots = [s[:-1] if s.endswith("s") and len(s) > 4 else s for s in stems]
    names: list[str] = []
    r = 0
    while len(names) < k:
        if pool in _LEAF_TEMPLATES:
            tmpl = _LEAF_TEMPLATES[pool]
            if r == 0:
                s_vals, p_vals, a_vals = stems, pre, list(_AREAS)
            else:
                suffix = _SUFFIXES[(r - 1) % len(_SUFFIXES)]
                s_vals = [f"{root}{suffix}s" for root in roots]
                a_vals = [f"{root}{suffix}" for root in roots]
                p_vals = [f"{root}{_PRESCHOOL_SUFFIXES[(r - 1) % len(_PRESCHOOL_SUFFIXES)]}" for root in roots]
            length = len(a_vals) if "{a}" in tmpl else len(p_vals) if "{p}" in tmpl else len(s_vals)
            batch = [tmpl.format(s=s_vals[i % len(s_vals)], p=p_vals[i % len(p_vals)], a=a_vals[i % len(a_vals)])
                     for i in range(length)]
        else:
            opts = _LEAF_NAMES[pool]
            area = "" if r == 0 else " " + _AREAS[(r - 1) % len(_AREAS)]
            batch = [opt.format(s=stems[(r + i) % len(stems)], a=_AREAS[(r + i) % len(_AREAS)]) + area
                     for i, opt in enumerate(opts)]
        if r > len(_SUFFIXES):  # only in implausibly large trees
            batch = [f"{name} {r}" for name in batch]
        names.extend(batch)
        r += 1
    return names[:k]


def _synthetic_tree(kod: str, kommun: str, n_staff: float, years: list[int], seed: int) -> Tree:
    """A realistic tree sized to ``n_staff`` respondents: ~1 unit per 80 respondents, min ~25."""
    rng = _rng(seed, "tree", int(kod), 0)
    leaf_scale = max(1.0, (n_staff / 5000.0) ** 0.25)  # big cities have bigger workplaces
    units = [Unit("KOMMUN", f"{_genitive(kommun)} kommun", "", "kommun", 0)]
    units.append(Unit("KS", "Kommunstyrelsen", "KOMMUN", "styrelse", 0))
    boards_done = {"KS"}
    for f_code, f_name, b_code, b_name, b_typ, f_share, female, verks in BLUEPRINT:
        if b_code not in boards_done:
            units.append(Unit(b_code, b_name, "KOMMUN", b_typ, 0))
            boards_done.add(b_code)
        f_staff = n_staff * f_share * float(np.exp(rng.normal(0, 0.08)))
        units.append(Unit(f_code, f_name, b_code, "forvaltning", max(2.0, 0.004 * f_staff), female=female))
        for v_code, v_name, v_share, leaf_size, pool, leaf_typ in verks:
            v_staff = f_staff * v_share
            code = f"{f_code}-{v_code}"
            n_leaves = int(round(v_staff / (leaf_size * leaf_scale)))
            fem = 0.22 if v_code == "GATA" else female
            if n_leaves <= 1:
                units.append(Unit(code, v_name, f_code, "verksamhet", v_staff, female=fem))
                continue
            units.append(Unit(code, v_name, f_code, "verksamhet", max(1.0, 0.015 * v_staff), female=fem))
            sizes = rng.lognormal(0.0, 0.35, n_leaves)
            sizes *= (v_staff * 0.985) / sizes.sum()
            names = _leaf_names(pool, n_leaves, rng)
            for j in range(n_leaves):
                size = float(sizes[j])
                draw = rng.random()
                if draw < 0.03:
                    size = float(rng.integers(1, 5))  # a very small unit: exercises suppression
                elif draw < 0.04:
                    size = 0.0  # nobody answered
                unit = Unit(f"{code}-{j + 1:03d}", names[j], code, leaf_typ, size, female=fem)
                if len(years) > 1 and rng.random() < 0.03:
                    unit.start = int(rng.choice(years[1:]))
                if len(years) > 1 and rng.random() < 0.02:
                    unit.rename = (int(rng.choice(years[1:])), f"{names[j]} (ny organisation)")
                units.append(unit)
    # Municipal companies and a joint authority: part of the steering chain, not of the staff survey.
    units.append(Unit("BOLAG-BO", f"{_genitive(kommun)} Bostäder AB", "KS", "bolag", 0))
    units.append(Unit("BOLAG-EN", f"{kommun} Energi AB", "KS", "bolag", 0))
    units.append(Unit("FORB-RTJ", f"Räddningstjänstförbundet {kommun}", "KS", "forbund", 0))
    return _attach_effects(Tree(kod, units), seed)


def _small_tree(kod: str, seed: int) -> Tree:
    table = {"0483": KATRINEHOLM, "0884": VIMMERBY}[kod]
    return _attach_effects(Tree(kod, _units_from_table(table)), seed)


# ---------------------------------------------------------------------------------------------
# Question catalogues
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Question:
    kolumn: str
    matt: str
    text: str
    skala: str
    grupp: str = ""
    # generation parameters (not written)
    mu: float = 0.0  # latent mean (staff, intern) on the answer scale
    load: tuple[tuple[str, float], ...] = ()  # latent components and weights
    noise: float = 0.68
    vetej: float = 0.02  # probability of "vet ej"
    target: float = 0.0  # MU: betygsindex (1-10) or positive share in % (verbal4)
    kind: str = ""  # MU: "barn" / "aldre" make "vet ej" depend on age
    core: bool = True  # part of the small catalogue

    @property
    def top(self) -> int:
        return 4 if self.skala == "verbal4" else int(self.skala.split("-")[1])


def _q(kolumn, matt, text, skala, grupp="", **kw) -> Question:
    return Question(kolumn, matt, text, skala, grupp, **kw)


_HME = "HME,HME_"
STAFF_QUESTIONS = [
    _q("meningsfullt", "HME_MOT1", "Jag upplever att mitt arbete känns meningsfullt", "1-5",
       _HME + "MOTIVATION", mu=4.55, load=(("gen", 1), ("MOT", 1)), vetej=0.005),
    _q("lar_nytt", "HME_MOT2", "Jag lär nytt och utvecklas i mitt dagliga arbete", "1-5",
       _HME + "MOTIVATION", mu=4.0, load=(("gen", 1), ("MOT", 1)), vetej=0.01),
    _q("ser_fram_emot", "HME_MOT3", "Jag ser fram emot att gå till arbetet", "1-5",
       _HME + "MOTIVATION", mu=4.1, load=(("gen", 1), ("MOT", 1), ("load", 0.3)), vetej=0.008),
    _q("chef_uppskattning", "HME_LED1", "Min närmaste chef visar uppskattning för mina arbetsinsatser", "1-5",
       _HME + "LEDARSKAP", mu=4.1, load=(("gen", 1), ("LED", 1)), vetej=0.03),
    _q("chef_fortroende_mig", "HME_LED2", "Min närmaste chef visar förtroende för mig som medarbetare", "1-5",
       _HME + "LEDARSKAP", mu=4.35, load=(("gen", 1), ("LED", 1)), vetej=0.03),
    _q("chef_forutsattningar", "HME_LED3",
       "Min närmaste chef ger mig förutsättningar att ta ansvar i mitt arbete", "1-5",
       _HME + "LEDARSKAP", mu=4.25, load=(("gen", 1), ("LED", 1)), vetej=0.035),
    _q("insatt_mal", "HME_STY1", "Jag är insatt i min arbetsplats mål", "1-5",
       _HME + "STYRNING", mu=4.2, load=(("gen", 1), ("STY", 1)), vetej=0.025),
    _q("mal_foljs_upp", "HME_STY2", "Min arbetsplats mål följs upp och utvärderas på ett bra sätt", "1-5",
       _HME + "STYRNING", mu=3.85, load=(("gen", 1), ("STY", 1)), vetej=0.07),
    _q("vet_vad_forvantas", "HME_STY3", "Jag vet vad som förväntas av mig i mitt arbete", "1-5",
       _HME + "STYRNING", mu=4.35, load=(("gen", 1), ("STY", 1)), vetej=0.015),
    _q("chef_aterkoppling", "CHEF_1", "Min närmaste chef ger mig återkoppling på mitt arbete", "1-6",
       "CHEFSINDEX", mu=4.6, load=(("gen", 0.8), ("LED", 1.4)), noise=0.85, vetej=0.04),
    _q("chef_delaktighet", "CHEF_2", "Min närmaste chef skapar delaktighet i arbetsplatsens utveckling", "1-6",
       "CHEFSINDEX", mu=4.5, load=(("gen", 0.8), ("LED", 1.4)), noise=0.85, vetej=0.05),
    _q("chef_fortroende", "CHEF_3", "Jag har förtroende för min närmaste chef", "1-6",
       "CHEFSINDEX", mu=4.9, load=(("gen", 0.8), ("LED", 1.5)), noise=0.85, vetej=0.03),
    _q("arbetsbelastning", "ARBETSBELASTNING", "Min arbetsbelastning är rimlig", "1-5",
       "ARBETSMILJO", mu=3.3, load=(("gen", 0.5), ("load", 1.0)), noise=0.8, vetej=0.01),
    _q("aterhamtning", "ATERHAMTNING", "Jag har möjlighet till återhämtning under arbetsdagen", "1-5",
       "ARBETSMILJO", mu=3.4, load=(("gen", 0.5), ("load", 1.0)), noise=0.8, vetej=0.015),
    _q("trygg_arbetsplats", "TRYGG_ARBETSPLATS", "Jag känner mig trygg på min arbetsplats", "1-5",
       "ARBETSMILJO", mu=4.35, load=(("gen", 0.8),), vetej=0.01),
    _q("samarbete", "SAMARBETE", "Vi har ett gott samarbete i min arbetsgrupp", "1-5",
       mu=4.25, load=(("gen", 0.9),), vetej=0.01),
    _q("rekommendera", "REKOMMENDERA", "Jag kan rekommendera min arbetsplats till andra", "1-5",
       mu=4.0, load=(("gen", 1.1), ("MOT", 0.5)), noise=0.75, vetej=0.03),
    _q("vardegrund", "VARDEGRUND", "Jag känner till kommunens värdegrund och vad den betyder i mitt arbete",
       "1-5", mu=4.1, load=(("gen", 0.6), ("STY", 0.6)), vetej=0.04),
    # The rest of the bank: the national profile's catalogue.
    _q("verktyg", "VERKTYG", "Jag har de verktyg och den utrustning som jag behöver för att utföra mitt arbete",
       "1-5", mu=3.9, load=(("gen", 0.7),), vetej=0.01, core=False),
    _q("information", "INFORMATION", "Jag får den information jag behöver för att kunna utföra mitt arbete",
       "1-5", mu=3.9, load=(("gen", 0.8), ("STY", 0.5)), vetej=0.01, core=False),
    _q("paverka_arbete", "PAVERKA", "Jag har möjlighet att påverka hur mitt arbete utförs", "1-5",
       mu=3.9, load=(("gen", 0.8), ("LED", 0.4)), vetej=0.01, core=False),
    _q("stolt", "STOLT", "Jag är stolt över att arbeta i kommunen", "1-5",
       mu=4.0, load=(("gen", 1.0),), vetej=0.04, core=False),
    _q("bidrar_service", "BIDRAR", "Jag upplever att mitt arbete bidrar till god service för kommunens invånare",
       "1-5", mu=4.4, load=(("gen", 0.7), ("MOT", 0.6)), vetej=0.03, core=False),
    _q("oppen_stamning", "OPPEN_STAMNING", "Det finns en öppen och tillåtande stämning på min arbetsplats", "1-5",
       "ARBETSMILJO", mu=4.0, load=(("gen", 1.0),), vetej=0.02, core=False),
    _q("balans", "BALANS", "Jag har en hälsosam balans mellan arbete och fritid", "1-5",
       "ARBETSMILJO", mu=3.7, load=(("gen", 0.5), ("load", 0.8)), vetej=0.01, core=False),
    _q("agerar_krankning", "AGERAR_KRANKNING", "På min arbetsplats agerar vi om någon blir illa behandlad",
       "1-5", "ARBETSMILJO", mu=4.1, load=(("gen", 0.8), ("LED", 0.4)), vetej=0.08, core=False),
    _q("likabehandling", "LIKABEHANDLING",
       "Alla på min arbetsplats behandlas lika oavsett kön, ålder, etnisk tillhörighet eller funktionsnedsättning",
       "1-5", mu=4.2, load=(("gen", 0.8),), vetej=0.06, core=False),
    _q("kompetens", "KOMPETENS", "Jag har den kompetens som krävs för mina arbetsuppgifter", "1-5",
       mu=4.5, load=(("gen", 0.4), ("MOT", 0.4)), vetej=0.005, core=False),
    _q("medarbetarsamtal", "MEDARBETARSAMTAL", "Mitt senaste medarbetarsamtal var värdefullt för mig", "1-5",
       mu=3.8, load=(("gen", 0.6), ("LED", 0.8)), vetej=0.06, core=False),
]

#: The question that is renamed in the 2022 catalogue (same matt, new column and wording).
STAFF_RENAMED = {"ARBETSBELASTNING": (2022, "rimlig_arbetsbelastning",
                                      "Jag upplever att min arbetsbelastning är rimlig")}


def staff_catalogue(year: int, full: bool) -> list[Question]:
    qs = [q for q in STAFF_QUESTIONS if full or q.core]
    out = []
    for q in qs:
        if q.matt in STAFF_RENAMED and year >= STAFF_RENAMED[q.matt][0]:
            _, kolumn, text = STAFF_RENAMED[q.matt]
            q = replace(q, kolumn=kolumn, text=text)
        out.append(q)
    return out


# Old citizen survey design (1-10, code 11 = vet ej): index, factor, vet-ej kind, vet ej, target, texts.
MU_OLD_FACTORS = [
    ("NRI", "ARBETE", "", 0.15, 52, ["Hur ser du på möjligheterna att få arbete inom rimligt avstånd?",
                                    "Hur ser du på utbudet av arbetstillfällen i kommunen?"]),
    ("NRI", "UTBILDNING", "", 0.22, 58, [
        "Hur ser du på möjligheterna att studera vidare efter gymnasiet inom rimligt avstånd?",
        "Hur ser du på möjligheterna att delta i vuxenutbildning?"]),
    ("NRI", "BOSTADER", "", 0.10, 52, ["Hur ser du på möjligheterna att hitta bra boende?",
                                      "Hur ser du på utbudet av olika typer av boendeformer?"]),
    ("NRI", "KOMMUNIKATIONER", "", 0.07, 57, [
        "Hur ser du på möjligheterna att resa kollektivt inom kommunen?",
        "Hur ser du på möjligheterna att resa kollektivt till och från kommunen?",
        "Hur ser du på möjligheterna att använda bil för dina resor?"]),
    ("NRI", "KOMMERSIELLT", "", 0.02, 63, ["Hur ser du på utbudet av butiker och kommersiell service?",
                                          "Hur ser du på utbudet av restauranger, caféer och nöjen?"]),
    ("NRI", "FRITID", "", 0.05, 66, ["Hur ser du på möjligheterna till fritidsaktiviteter?",
                                    "Hur ser du på tillgången till parker, grönområden och natur?",
                                    "Hur ser du på utbudet av kultur och föreningsliv?"]),
    ("NRI", "TRYGGHET", "", 0.03, 63, ["Hur trygg känner du dig när du vistas utomhus på kvällar och nätter?",
                                      "Hur trygg känner du dig mot att utsättas för brott i ditt bostadsområde?"]),
    ("NRI", "REKOMMENDATION", "", 0.04, 67, ["Kan du rekommendera vänner och bekanta att flytta till din kommun?"]),
    ("NMI", "FORSKOLA", "barn", 0.42, 66, ["Vad anser du om förskolan i din kommun?",
                                          "Vad anser du om möjligheterna att få plats på förskola inom rimlig tid?",
                                          "Vad anser du om förskolans personal och deras engagemang?"]),
    ("NMI", "GRUNDSKOLA", "barn", 0.38, 58, ["Vad anser du om grundskolan i din kommun?",
                                            "Vad anser du om grundskolans förmåga att ge eleverna kunskaper?",
                                            "Vad anser du om studiero och trygghet i grundskolan?"]),
    ("NMI", "GYMNASIESKOLA", "barn", 0.45, 61, ["Vad anser du om gymnasieskolan i din kommun?",
                                               "Vad anser du om gymnasieskolans utbud av program?"]),
    ("NMI", "ALDREOMSORG", "aldre", 0.40, 52, [
        "Vad anser du om äldreomsorgen i din kommun?", "Vad anser du om hemtjänsten?",
        "Vad anser du om möjligheterna att få plats på äldreboende vid behov?"]),
    ("NMI", "STOD_UTSATTA", "", 0.52, 48, [
        "Vad anser du om kommunens stöd för utsatta personer?",
        "Vad anser du om kommunens stöd till personer med funktionsnedsättning?"]),
    ("NMI", "GANG_CYKEL", "", 0.06, 57, ["Vad anser du om gång- och cykelvägarna i din kommun?",
                                        "Vad anser du om belysningen längs gång- och cykelvägar?"]),
    ("NMI", "GATOR", "", 0.04, 53, ["Vad anser du om gator och vägar i din kommun?",
                                   "Vad anser du om snöröjningen av gator och vägar?",
                                   "Vad anser du om tillgången till parkeringsplatser?"]),
    ("NMI", "IDROTT", "", 0.20, 62, ["Vad anser du om idrotts- och motionsanläggningarna?",
                                    "Vad anser du om öppettiderna vid idrotts- och motionsanläggningarna?"]),
    ("NMI", "KULTUR", "", 0.18, 64, ["Vad anser du om kommunens kulturverksamhet?",
                                    "Vad anser du om biblioteksverksamheten?",
                                    "Vad anser du om utbudet av utställningar, konserter och teater?"]),
    ("NMI", "MILJOARBETE", "", 0.22, 58, ["Vad anser du om kommunens miljöarbete?",
                                         "Vad anser du om möjligheterna att källsortera?"]),
    ("NMI", "RENHALLNING", "", 0.04, 70, ["Vad anser du om renhållningen och sophämtningen?",
                                         "Vad anser du om återvinningscentralen?"]),
    ("NMI", "VATTEN_AVLOPP", "", 0.05, 80, ["Vad anser du om vatten och avlopp i din kommun?",
                                           "Vad anser du om kvaliteten på dricksvattnet?"]),
    ("NMI", "RADDNINGSTJANST", "", 0.35, 80, [
        "Vad anser du om räddningstjänsten i din kommun?",
        "Vad anser du om räddningstjänstens information om hur man förebygger brand?"]),
    ("NMI", "BEMOTANDE", "", 0.30, 60, [
        "Vad anser du om bemötandet när du kontaktar kommunen?",
        "Vad anser du om möjligheterna att nå rätt person när du kontaktar kommunen?"]),
    ("NII", "KONTAKT", "", 0.30, 50, [
        "Hur nöjd är du med möjligheterna att komma i kontakt med kommunens politiker?",
        "Hur nöjd är du med möjligheterna att komma i kontakt med kommunens tjänstepersoner?"]),
    ("NII", "INFORMATION", "", 0.15, 50, [
        "Hur nöjd är du med kommunens information om dess verksamheter?",
        "Hur nöjd är du med kommunens webbplats?",
        "Hur nöjd är du med informationen om hur du kan påverka kommunens beslut?"]),
    ("NII", "PAVERKAN", "", 0.32, 38, [
        "Hur nöjd är du med möjligheterna att påverka kommunens beslut?",
        "Hur nöjd är du med hur kommunen tar tillvara invånarnas synpunkter?",
        "Hur nöjd är du med möjligheterna att delta i kommunens medborgardialoger?"]),
    ("NII", "FORTROENDE", "", 0.25, 42, [
        "Hur nöjd är du med hur kommunens politiker arbetar för kommunens bästa?",
        "Hur nöjd är du med hur kommunens tjänstepersoner arbetar för kommunens bästa?",
        "Hur nöjd är du med hur kommunen hanterar invånarnas skattepengar?"]),
]
_MU_OLD_NOT_CORE = {"BEMOTANDE"}

# New design (verbal4, 5 = vet inte): matt, kolumn, text, grupp, vet-ej kind, vet ej, target share, core.
_VAD = "Vad tycker du om {} i din kommun?"
MU_NEW_QUESTIONS = [
    ("BRA_PLATS", "bra_plats", "Vad tycker du om din kommun som en plats att bo och leva på?", "", "", 0.01, 92, 1),
    ("REKOMMENDERA", "rekommendera", "Skulle du rekommendera vänner och bekanta att flytta till din kommun?",
     "", "", 0.07, 62, 1),
    ("VERKSAMHETER", "verksamheter",
     "Hur bra eller dåligt tycker du att kommunen sköter sina olika verksamheter?", "", "", 0.08, 80, 1),
    ("INFLYTANDE", "inflytande", "Hur bra eller dåligt tycker du att möjligheterna är att ha insyn och "
     "inflytande över kommunens beslut och verksamheter?", "", "", 0.22, 20, 1),
    ("BOSTAD", "bostad", _VAD.format("möjligheterna att hitta ett boende som passar dina behov"),
     "LIVSMILJO", "", 0.12, 55, 1),
    ("ARBETE", "arbete", _VAD.format("möjligheterna att få ett arbete inom rimligt avstånd"),
     "LIVSMILJO", "", 0.18, 60, 1),
    ("KOMMUNIKATIONER", "kommunikationer", _VAD.format("möjligheterna att resa kollektivt"),
     "LIVSMILJO", "", 0.08, 62, 1),
    ("FRITID", "fritid", _VAD.format("möjligheterna till fritidsaktiviteter"), "LIVSMILJO", "", 0.05, 80, 1),
    ("TRYGGHET", "trygghet", _VAD.format("tryggheten i området där du bor"), "LIVSMILJO", "", 0.02, 80, 1),
    ("KOMMERSIELLT", "kommersiellt", _VAD.format("utbudet av butiker och kommersiell service"),
     "LIVSMILJO", "", 0.02, 75, 0),
    ("NATUR", "natur", _VAD.format("tillgången till parker, grönområden och natur"), "LIVSMILJO", "", 0.01, 94, 0),
    ("UTBILDNING", "utbildning", _VAD.format("möjligheterna till utbildning efter gymnasiet"),
     "LIVSMILJO", "", 0.25, 55, 0),
    ("RESTAURANG", "restaurang", _VAD.format("utbudet av restauranger, caféer och nöjen"),
     "LIVSMILJO", "", 0.05, 65, 0),
    ("FORSKOLA", "forskola", _VAD.format("förskolan"), "SERVICE", "barn", 0.45, 88, 1),
    ("GRUNDSKOLA", "grundskola", _VAD.format("grundskolan"), "SERVICE", "barn", 0.40, 78, 1),
    ("ALDREOMSORG", "aldreomsorg", _VAD.format("äldreomsorgen"), "SERVICE", "aldre", 0.42, 70, 1),
    ("GATOR", "gator", _VAD.format("underhållet av gator och vägar"), "SERVICE", "", 0.03, 60, 1),
    ("RENHALLNING", "renhallning", _VAD.format("sophämtningen"), "SERVICE", "", 0.03, 86, 1),
    ("GYMNASIESKOLA", "gymnasieskola", _VAD.format("gymnasieskolan"), "SERVICE", "barn", 0.48, 80, 0),
    ("STOD_UTSATTA", "stod_utsatta", _VAD.format("stödet till personer som behöver ekonomiskt eller socialt stöd"),
     "SERVICE", "", 0.55, 62, 0),
    ("FUNKTIONSSTOD", "funktionsstod", _VAD.format("stödet till personer med funktionsnedsättning"),
     "SERVICE", "", 0.55, 70, 0),
    ("GANG_CYKEL", "gang_cykel", _VAD.format("gång- och cykelvägarna"), "SERVICE", "", 0.06, 72, 0),
    ("SNOROJNING", "snorojning", _VAD.format("snöröjningen"), "SERVICE", "", 0.04, 65, 0),
    ("VATTEN_AVLOPP", "vatten_avlopp", _VAD.format("vatten och avlopp"), "SERVICE", "", 0.05, 93, 0),
    ("KULTUR", "kultur", _VAD.format("kulturutbudet"), "SERVICE", "", 0.15, 82, 0),
    ("IDROTT", "idrott", _VAD.format("idrotts- och motionsanläggningarna"), "SERVICE", "", 0.18, 84, 0),
    ("BIBLIOTEK", "bibliotek", _VAD.format("biblioteken"), "SERVICE", "", 0.22, 95, 0),
    ("RADDNINGSTJANST", "raddningstjanst", _VAD.format("räddningstjänsten"), "SERVICE", "", 0.40, 95, 0),
    ("MILJOARBETE", "miljoarbete", _VAD.format("kommunens arbete för en hållbar miljö"), "SERVICE", "",
     0.25, 70, 0),
    ("BYGGLOV", "bygglov", _VAD.format("hanteringen av bygglov"), "SERVICE", "", 0.65, 50, 0),
    ("NARINGSLIV", "naringsliv", _VAD.format("kommunens arbete för näringslivet"), "SERVICE", "", 0.45, 60, 0),
    ("INFORMATION", "information", _VAD.format("informationen från kommunen"), "DELAKTIGHET", "", 0.12, 65, 1),
    ("BEMOTANDE", "bemotande", _VAD.format("bemötandet när du har kontakt med kommunen"), "DELAKTIGHET", "",
     0.35, 82, 1),
    ("PAVERKA", "paverka", _VAD.format("möjligheterna att påverka kommunens beslut"), "DELAKTIGHET", "",
     0.35, 25, 0),
    ("FORTROENDE_POL", "fortroende_pol", _VAD.format("förtroendet för kommunens politiker"), "DELAKTIGHET", "",
     0.25, 40, 0),
    ("FORTROENDE_TJP", "fortroende_tjp", _VAD.format("förtroendet för kommunens tjänstepersoner"),
     "DELAKTIGHET", "", 0.30, 60, 0),
    ("TILLGANGLIGHET", "tillganglighet", _VAD.format("möjligheten att komma i kontakt med rätt person"),
     "DELAKTIGHET", "", 0.35, 70, 0),
    ("E_TJANSTER", "e_tjanster", _VAD.format("kommunens e-tjänster och webbplats"), "DELAKTIGHET", "",
     0.35, 72, 0),
]

#: Kolada KPIs that publish the headline questions of the new design.
MU_KOLADA = {"BRA_PLATS": "N00667", "VERKSAMHETER": "N00668", "INFLYTANDE": "N00669", "REKOMMENDERA": "N00670"}


def mu_catalogue(year: int, full: bool) -> list[Question]:
    if year < FIRST_NEW_MU_DESIGN:
        out = []
        for index, factor, kind, vetej, target, texts in MU_OLD_FACTORS:
            texts = texts if full else ([] if factor in _MU_OLD_NOT_CORE else texts[:1])
            grupp = index if len(texts) < 2 else f"{index},{index}_{factor}"
            for k, text in enumerate(texts, start=1):
                matt = f"{index}_{factor}_{k}"
                # later aspects of a factor: a little lower, a little more "vet ej"
                out.append(Question(matt.lower(), matt, text, "1-10", grupp,
                                    vetej=min(0.8, vetej * (1 + 0.1 * (k - 1))),
                                    target=target - 2.0 * (k - 1), kind=kind))
        return out
    return [Question(kolumn, matt, text, "verbal4", grupp, vetej=vetej, target=target, kind=kind)
            for matt, kolumn, text, grupp, kind, vetej, target, core in MU_NEW_QUESTIONS if full or core]


INTERN_QUESTIONS = [
    _q("stod_kompetent", "STOD_1", "Kommunledningsförvaltningen ger ett kompetent, professionellt stöd till "
       "verksamheterna", "1-6", "STOD", mu=4.7, vetej=0.03),
    _q("stod_proaktivt", "STOD_2", "Kommunledningsförvaltningen är proaktiv och ger stöd i rätt tid", "1-6",
       "STOD", mu=4.2, vetej=0.05),
    _q("tillganglighet", "TILLGANGLIGHET", "Det är lätt att komma i kontakt med rätt person på "
       "kommunledningsförvaltningen", "1-6", "STOD", mu=4.4, vetej=0.03),
    _q("bemotande", "BEMOTANDE", "Jag får ett gott bemötande när jag kontaktar kommunledningsförvaltningen",
       "1-6", "STOD", mu=5.0, vetej=0.02),
    _q("information", "INFORMATION", "Kommunledningsförvaltningen ger tydlig och begriplig information", "1-6",
       "STOD", mu=4.3, vetej=0.04),
    _q("omvarldsbevakning", "OMVARLD", "Kommunledningsförvaltningen är proaktiv och ger stöd genom systematisk "
       "omvärldsbevakning inom förvaltningens sakområden", "1-6", "UPPDRAG", mu=4.1, vetej=0.12),
    _q("planering_uppfoljning", "PLANERING", "Kommunledningsförvaltningen leder planering och uppföljning av "
       "kommunens verksamheter på ett kompetent och professionellt sätt", "1-6", "UPPDRAG", mu=4.4, vetej=0.06),
    _q("arendehantering", "ARENDE", "Kommunledningsförvaltningen stödjer ärendehanteringen på ett kompetent "
       "och professionellt sätt", "1-6", "UPPDRAG", mu=4.6, vetej=0.05),
    _q("nojd_helhet", "NOJD", "Sammantaget är jag nöjd med kommunledningsförvaltningens insatser", "1-6",
       mu=4.6, vetej=0.02),
]
_PRINCIPAL_ONLY = {"OMVARLD", "PLANERING", "ARENDE"}  # asked of kommunstyrelsen only
KLF_ASSESSED = ("KLF-EK", "KLF-HR", "KLF-IT", "KLF-KOM")


def _catalogue_frame(questions: list[Question]) -> pd.DataFrame:
    return pd.DataFrame({"kolumn": [q.kolumn for q in questions], "matt": [q.matt for q in questions],
                         "text": [q.text for q in questions], "skala": [q.skala for q in questions],
                         "grupp": [q.grupp for q in questions]})


# ---------------------------------------------------------------------------------------------
# Free-text comments
# ---------------------------------------------------------------------------------------------
STAFF_COMMENTS_POSITIVE = [
    "Bästa arbetsplatsen jag har haft, fina kollegor och en chef som lyssnar.",
    "Tack för att vi fick vara med och ta fram de nya rutinerna; det märks att våra synpunkter tas tillvara.",
    "Vi har ett bra samarbete i arbetslaget och stöttar varandra när det är tungt.",
    "Jag trivs mycket bra. Friskvårdstimmen gör stor skillnad!",
    "Bra introduktion när jag började, jag kände mig välkommen från första dagen.",
    "Vår chef är närvarande och tydlig, det skapar trygghet i gruppen.",
    "Meningsfullt arbete, man ser att man gör skillnad för brukarna.",
    "Positivt att APT nu har en fast struktur med uppföljning av våra mål.",
    "Kul att vi fått prova nya arbetssätt, t.ex. digitala verktyg i undervisningen.",
    "Stolt över att jobba här, vi ger invånarna god service trots små resurser.",
    "Chefen ger oss förtroende att lösa saker själva – det uppskattas.",
    "Mycket bättre stämning i år än förra året.",
    "Härligt med nya lokaler, äntligen plats för både samtal och eget arbete.",
    "Vi har blivit bättre på att fira det som går bra.",
    "Bra med tydliga mål på APT; nu vet alla vad vi ska fokusera på.",
    "Flexibla arbetstider gör att livspusslet går ihop.",
    "Jag uppskattar att vi får gå utbildningar och lära av andra enheter.",
    "Skönt med en stabil personalgrupp efter flera år med många vikarier.",
]
STAFF_COMMENTS_NEGATIVE = [
    "För hög arbetsbelastning, vi är ofta underbemannade och vikarier sätts inte in.",
    "Svårt att hinna med återhämtning; raster blir ofta avbrutna.",
    "Vi har haft tre chefer på två år, det behövs kontinuitet.",
    "Målen för arbetsplatsen är otydliga och följs sällan upp.",
    "Lokalerna är slitna, ventilationen fungerar dåligt och det är trångt.",
    "IT-systemen krånglar, det tar tid från kärnuppdraget.",
    "Schemat läggs för sent, svårt att planera sitt liv utanför jobbet.",
    "Chefen har för många medarbetare, det finns ingen tid för återkoppling.",
    "Önskar mer kompetensutveckling; vi har inte haft någon utbildning på länge.",
    "Informationen från ledningen når inte ut till oss på golvet.",
    "Lönen står inte i proportion till ansvaret, det märks i personalomsättningen.",
    "Otydligt vem som ansvarar för vad efter omorganisationen.",
    "Det behövs fler händer, särskilt kvällar och helger.",
    "Vi får ofta höra \"det finns inga pengar\" men besluten förklaras aldrig.",
    "Bra kollegor, men arbetsmiljön är stressig; sjukskrivningarna ökar.",
    "Enkäten borde gå att svara på i mobilen, många av oss har ingen dator.",
    "Vi som jobbar natt glöms ofta bort när information går ut.",
    "Dokumentationen tar mer och mer tid, tiden med brukarna räcker inte till.",
    "Arbetsplatsträffarna ställs in för ofta.",
    "För många olika system; samma uppgifter ska föras in på flera ställen.",
    "Svårt att få ledigt under sommaren, semesterplaneringen borde göras tidigare.",
    "Tunga lyft och för få hjälpmedel, ryggen tar stryk.",
]
INTERN_COMMENTS = {
    "uppdragsgivare": [
        "Hög kompetens och bra underlag inför besluten i kommunstyrelsen.",
        "Omvärldsbevakningen kan bli mer systematisk, vi får ofta veta saker sent.",
        "Bra stöd i budgetprocessen, men underlagen kommer ibland sent till gruppmötena.",
        "Förvaltningen är proaktiv och lätt att samarbeta med.",
        "Tydligare uppföljning av uppdragen i verksamhetsplanen, tack.",
        "Ärendena håller god kvalitet; ibland för långa, sammanfatta gärna.",
    ],
    "KLF": ["Kommunledningen syns och är tillgänglig.", "Otydligt vilken enhet man ska vända sig till."],
    "KLF-EK": [
        "Ekonomerna är kunniga och ger snabb hjälp inför delårsbokslutet.",
        "Budgetunderlagen borde komma tidigare, vi hinner inte förankra dem i verksamheten.",
        "Bra stöd, men rapporterna är svåra att tolka för enhetscheferna.",
    ],
    "KLF-HR": [
        "Personalenheten ger bra stöd i rehabiliteringsärenden.",
        "Svårt att nå HR-konsulten, svar dröjer ofta flera dagar.",
        "Bra chefsutbildning; mer stöd i rekrytering önskas, t.ex. annonsering och urval.",
    ],
    "KLF-IT": [
        "IT-supporten är trevlig men ärenden tar för lång tid att lösa.",
        "För mycket energi går till IT-problem i skolan; nätverket måste fungera.",
        "Bra att det finns en tydlig ingång till IT-support nu.",
        "Uppgraderingen av verksamhetssystemet informerades för sent.",
    ],
    "KLF-KOM": [
        "Kommunikationsenheten hjälper oss snabbt med webben och sociala medier.",
        "Bra stöd vid pressfrågor, tack!",
    ],
}


def _compose_comments(pool: list[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """One or two sentences of the pool per respondent (vectorised)."""
    sentences = np.array(pool, dtype=object)
    first = rng.integers(0, len(pool), n)
    second = (first + rng.integers(1, len(pool), n)) % len(pool)  # never the same sentence twice
    two = rng.random(n) < 0.35
    return np.where(two, sentences[first] + " " + sentences[second], sentences[first])


# ---------------------------------------------------------------------------------------------
# Targets (where Kolada has values, use them; otherwise plausible values around them)
# ---------------------------------------------------------------------------------------------
def hme_target(kolada: Kolada, kod: str, year: int, seed: int) -> tuple[float, float]:
    """(HME total, K-M gap) for a municipality and year: Kolada U00200 when it has the value."""
    series = kolada.series("U00200", kod)
    gap_default = 0.6
    if year in series and "T" in series[year]:
        g = series[year]
        gap = g["K"] - g["M"] if "K" in g and "M" in g else gap_default
        return float(g["T"]), float(gap)
    rng = _rng(seed, "target", int(kod), year, 1)
    years = sorted(y for y in series if "T" in series[y])
    before = [y for y in years if y < year]
    after = [y for y in years if y > year]
    if before and after:
        y0, y1 = before[-1], after[0]
        t = (year - y0) / (y1 - y0)
        value = series[y0]["T"] * (1 - t) + series[y1]["T"] * t + rng.normal(0, 0.2)
    elif before:
        value = series[before[-1]]["T"] + 0.3 * min(year - before[-1], 5) + rng.normal(0, 0.3)
    elif after:
        value = series[after[0]]["T"] - 0.3 * min(after[0] - year, 5) + rng.normal(0, 0.3)
    else:
        median = kolada.municipal_median("U00200", year) or kolada.municipal_median("U00200", 2022) or 79.5
        offset = _rng(seed, "target", int(kod), 0, 1).normal(0, 2.2)
        value = median + offset + rng.normal(0, 0.6)
    return float(np.clip(value, 71.0, 85.0)), gap_default


def _mu_persistent(kod: str, seed: int) -> float:
    """A municipality's general citizen satisfaction (standard normal, fixed over years)."""
    return float(_rng(seed, "target", int(kod), 0, 2).normal())


def mu_targets(kolada: Kolada, questions: list[Question], kod: str, year: int, seed: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Per question (target, K-M gap): index points for 1-10, share in % for verbal4."""
    level = _mu_persistent(kod, seed)
    rng_q = _rng(seed, "target", int(kod), 0, 3)  # per-question municipality character
    rng_y = _rng(seed, "target", int(kod), year, 3)
    char = rng_q.normal(0, 1, 200)
    targets, gaps = [], []
    for i, q in enumerate(questions):
        kpi = MU_KOLADA.get(q.matt) if q.skala == "verbal4" else None
        gap = 2.0
        value = None
        if kpi:
            g = kolada.get(kpi, kod, year)
            if g and "T" in g:
                value = g["T"]
                gap = g.get("K", value + 1) - g.get("M", value - 1)
            else:
                own = kolada.series(kpi, kod)
                if own:
                    near = min(own, key=lambda y: (abs(y - year), y))
                    value = own[near]["T"] + rng_y.normal(0, 1.2)
                else:
                    nat = kolada.get(kpi, "0000", year) or kolada.get(kpi, "0000", 2022)
                    spread = {"N00667": 3.5, "N00668": 6.0, "N00669": 5.0, "N00670": 11.0}[kpi]
                    base = nat["T"] if nat else q.target
                    value = base + spread * (0.7 * level + 0.7 * char[i]) + rng_y.normal(0, 1.0)
        if value is None:
            spread = 4.0 if q.skala == "verbal4" else 3.0
            value = q.target + spread * (0.7 * level + 0.5 * char[i]) + rng_y.normal(0, 1.2)
        lo, hi = (3.0, 99.0) if q.skala == "verbal4" else (20.0, 90.0)
        targets.append(float(np.clip(value, lo, hi)))
        gaps.append(float(gap))
    return np.array(targets), np.array(gaps)


# ---------------------------------------------------------------------------------------------
# Staff survey
# ---------------------------------------------------------------------------------------------
def _hme_total(codes: np.ndarray, hme_cols: list[int]) -> float:
    """HME from answer codes (0 blank, 6 vet ej): mean of the nine question indices."""
    sub = codes[:, hme_cols]
    valid = (sub >= 1) & (sub <= 5)
    means = (sub * valid).sum(axis=0) / np.maximum(valid.sum(axis=0), 1)
    return float(((means - 1) * 25).mean())


def staff_survey(tree: Tree, year: int, n_total: int, questions: list[Question],
                 target: tuple[float, float], seed: int) -> tuple[pd.DataFrame, dict]:
    """Answers of one municipality and year; returns the text frame and a summary."""
    rng = _rng(seed, "staff", int(tree.kod), year)
    units = tree.year(year)
    idx = units["idx"].to_numpy()
    weights = np.array([tree.units[i].size for i in idx])
    # Expected size per unit, a yearly wobble in response; small units vary like Poisson counts.
    expected = weights * (n_total / weights.sum())
    wobble = np.rint(expected * rng.lognormal(0.0, 0.05, len(idx)))
    counts = np.where(expected < 8, rng.poisson(expected), wobble).astype(np.int64)
    unit = np.repeat(np.arange(len(idx)), counts)
    unit = unit[rng.permutation(len(unit))]
    n = len(unit)
    master = idx[unit]  # index into tree.units, for persistent effects

    female = np.array([tree.units[i].female for i in idx])[unit]
    u = rng.random(n)
    kon = np.where(u < 0.025, "", np.where(u < 0.025 + 0.975 * female, "K", "M")).astype(object)

    # Latent components: persistent unit effect + this year's drift + respondent effect.
    comp_sd = {"gen": 0.50, "MOT": 0.28, "LED": 0.32, "STY": 0.28, "load": 0.55}
    comps = {}
    for name, sd in comp_sd.items():
        drift = rng.normal(0, 0.06, len(idx))[unit]
        comps[name] = tree.effects[name][master] + drift + rng.normal(0, sd, n)
    # A few disengaged respondents give the answer distributions their real, fatter low tail.
    comps["gen"] -= (rng.random(n) < 0.05) * rng.uniform(0.6, 1.6, n)
    hme_total, gap = target
    kon_shift = np.where(kon == "K", 0.5, np.where(kon == "M", -0.5, 0.0)) * gap / 25 / 0.8

    q_count = len(questions)
    latent = np.empty((n, q_count))
    for j, q in enumerate(questions):
        z = np.full(n, q.mu)
        for name, w in q.load:
            z += w * comps[name]
        if q.matt.startswith("HME"):
            z += kon_shift
        latent[:, j] = z + rng.normal(0, q.noise, n)
    tops = np.array([q.top for q in questions])
    scale = (tops - 1) / 4.0  # the municipality-year shift, in each question's answer units

    # Vet ej (a respondent-level propensity times the question's rate) and blanks.
    propensity = rng.lognormal(-0.18, 0.6, n)
    vetej = rng.random((n, q_count)) < np.minimum(0.9, propensity[:, None] * np.array([q.vetej for q in questions]))
    blank = rng.random((n, q_count)) < 0.011
    breakoff = rng.random(n) < 0.012
    stop = rng.integers(q_count // 2, q_count, n)
    blank |= breakoff[:, None] & (np.arange(q_count)[None, :] >= stop[:, None])
    valid = ~vetej & ~blank

    hme_cols = [j for j, q in enumerate(questions) if q.matt.startswith("HME_")]

    def answers(shift: float) -> np.ndarray:
        a = np.rint(latent + shift * scale[None, :])
        return np.clip(a, 1, tops[None, :]).astype(np.int8)

    hme_latent, hme_valid = latent[:, hme_cols], valid[:, hme_cols]
    hme_n = np.maximum(hme_valid.sum(axis=0), 1)

    def hme(shift: float) -> float:  # the HME total of the answers that this shift gives
        a = np.clip(np.rint(hme_latent + shift), 1, 5)
        means = (a * hme_valid).sum(axis=0) / hme_n
        return float(((means - 1) * 25).mean())

    lo, hi = -2.5, 2.5
    for _ in range(28):
        mid = 0.5 * (lo + hi)
        if hme(mid) < hme_total:
            lo = mid
        else:
            hi = mid
    codes = answers(0.5 * (lo + hi))
    codes = np.where(vetej, tops[None, :] + 1, codes)
    codes = np.where(blank, 0, codes).astype(np.int8)

    # Free text: about 7 % comment, the less happy a little more often and more critically.
    mood = comps["gen"]
    comment = rng.random(n) < np.where(mood < -0.3, 0.11, 0.06)
    text = np.where(mood > 0.25, _compose_comments(STAFF_COMMENTS_POSITIVE, n, rng),
                    _compose_comments(STAFF_COMMENTS_NEGATIVE, n, rng))
    text = np.where(comment, text, "").astype(object)

    first_id = int(rng.integers(10_000, 90_000)) * 10
    frame = {"svarsid": np.arange(first_id, first_id + n).astype(str).astype(object),
             "enhet": units["enhet"].to_numpy(dtype=object)[unit], "kon": kon}
    for j, q in enumerate(questions):
        frame[q.kolumn] = _code_strings(codes[:, j])
    frame["kommentar"] = text
    summary = {"respondents": n, "hme": round(_hme_total(codes, hme_cols), 2), "hme_target": round(hme_total, 2),
               "units": len(idx), "units_without_answers": int((counts == 0).sum())}
    return pd.DataFrame(frame), summary


# ---------------------------------------------------------------------------------------------
# Citizen survey
# ---------------------------------------------------------------------------------------------
_AGE_SAMPLE = np.array([0.065, 0.105, 0.13, 0.16, 0.18, 0.21, 0.15])  # respondents skew old
_AGE_POP = np.array([0.105, 0.16, 0.155, 0.16, 0.15, 0.14, 0.13])
_VETEJ_AGE = {"barn": np.array([0.95, 0.55, 0.45, 0.85, 1.25, 1.3, 1.35]),
              "aldre": np.array([1.45, 1.4, 1.3, 1.05, 0.85, 0.6, 0.45])}


def citizen_survey(questions: list[Question], n: int, targets: np.ndarray, gaps: np.ndarray,
                   kod: str, year: int, seed: int) -> tuple[pd.DataFrame, dict]:
    """Answers and calibration weights of one municipality and year (typed: None = blank)."""
    rng = _rng(seed, "mu", int(kod), year)
    age_i = rng.choice(8, size=n, p=np.append(_AGE_SAMPLE * 0.98, 0.02))  # 7 = blank
    k = rng.random(n)
    kon = np.where(k < 0.02, "", np.where(k < 0.56, "K", "M")).astype(object)
    age = np.array(list(AGE_GROUPS) + [""], dtype=object)[age_i]
    # Calibration weights: population share / sample share per cell, some noise, kept in 0.4..3.5.
    age_w = np.append(_AGE_POP / _AGE_SAMPLE, 1.0)[age_i]
    kon_w = np.where(kon == "K", 0.50 / 0.54, np.where(kon == "M", 0.50 / 0.44, 1.0))
    w = age_w * kon_w * rng.lognormal(0, 0.28, n)
    w = np.clip(w / w.mean(), 0.4, 3.5)
    w = np.round(w, 4)

    q_count = len(questions)
    verbal = questions[0].skala == "verbal4"
    z = rng.normal(0, 1, n)
    a = 0.55
    latent = a * z[:, None] + math.sqrt(1 - a * a) * rng.normal(0, 1, (n, q_count))
    g = np.where(kon == "K", 0.5, np.where(kon == "M", -0.5, 0.0))

    base_vetej = np.array([q.vetej for q in questions])
    age_mod = np.ones((n, q_count))
    age_known = age_i < 7
    for j, q in enumerate(questions):
        if q.kind:
            age_mod[age_known, j] = _VETEJ_AGE[q.kind][age_i[age_known]]
    vetej = rng.random((n, q_count)) < np.minimum(0.9, base_vetej[None, :] * age_mod)
    blank = rng.random((n, q_count)) < 0.015
    breakoff = rng.random(n) < 0.015
    stop = rng.integers(q_count // 3, q_count, n)
    blank |= breakoff[:, None] & (np.arange(q_count)[None, :] >= stop[:, None])
    valid = ~vetej & ~blank
    wv = valid * w[:, None]
    wsum = np.maximum(wv.sum(axis=0), 1e-9)

    if verbal:
        p = np.clip(targets / 100, 0.02, 0.98)
        delta = np.array([_norm_ppf(min(0.99, pi + gi / 200)) - _norm_ppf(max(0.01, pi - gi / 200))
                          for pi, gi in zip(p, gaps)])
        base = latent + g[:, None] * delta[None, :]
        lo, hi = np.full(q_count, -4.0), np.full(q_count, 4.0)
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            share = ((base + mid[None, :] > 0) * wv).sum(axis=0) / wsum
            low = share < p
            lo = np.where(low, mid, lo)
            hi = np.where(low, hi, mid)
        shift = 0.5 * (lo + hi)
        y = base + shift[None, :]
        # "Mycket" answers: a larger part of the positives where most are positive, and vice versa.
        very_good = np.array([_norm_ppf(1 - pi * (0.25 + 0.3 * pi)) for pi in p]) + shift
        very_bad = np.array([_norm_ppf((1 - pi) * (0.2 + 0.25 * (1 - pi))) for pi in p]) + shift
        codes = np.select([y > very_good[None, :], y > 0, y > very_bad[None, :]], [1, 2, 3], default=4)
        top = 4
    else:
        spread = 2.1
        delta = gaps / 100 * 9 / spread
        base = spread * (latent + g[:, None] * delta[None, :])
        lo, hi = np.full(q_count, -3.0), np.full(q_count, 13.0)
        target_mean = 1 + targets / 100 * 9
        for _ in range(30):
            mid = 0.5 * (lo + hi)
            ans = np.clip(np.rint(base + mid[None, :]), 1, 10)
            mean = (ans * wv).sum(axis=0) / wsum
            low = mean < target_mean
            lo = np.where(low, mid, lo)
            hi = np.where(low, hi, mid)
        codes = np.clip(np.rint(base + (0.5 * (lo + hi))[None, :]), 1, 10)
        top = 10
    codes = np.where(vetej, top + 1, codes)
    codes = np.where(blank, 0, codes).astype(np.int8)

    frame = {"lopnr": np.arange(1, n + 1), "kon": kon, "aldersgrupp": age, "vikt": w}
    for j, q in enumerate(questions):
        frame[q.kolumn] = codes[:, j]
    df = pd.DataFrame(frame)
    valid_codes = (codes >= 1) & (codes <= top)
    if verbal:
        pos = ((codes >= 1) & (codes <= 2)) * w[:, None]
        result = pos.sum(axis=0) / np.maximum((valid_codes * w[:, None]).sum(axis=0), 1e-9) * 100
    else:
        mean = (codes * valid_codes * w[:, None]).sum(axis=0) / np.maximum((valid_codes * w[:, None]).sum(axis=0), 1e-9)
        result = (mean - 1) * 100 / 9
    summary = {"respondents": n, "design": "verbal4" if verbal else "1-10",
               "values": {q.matt: round(float(v), 1) for q, v in zip(questions, result)}}
    return df, summary


def _mu_text_frame(df: pd.DataFrame, questions: list[Question], decimal: str) -> pd.DataFrame:
    out = {"lopnr": df["lopnr"].astype(str).to_numpy(dtype=object), "kon": df["kon"].to_numpy(dtype=object),
           "aldersgrupp": df["aldersgrupp"].to_numpy(dtype=object),
           "vikt": _fmt_weight(df["vikt"].to_numpy(), decimal)}
    for q in questions:
        out[q.kolumn] = _code_strings(df[q.kolumn].to_numpy())
    return pd.DataFrame(out)


def _mu_xlsx_frame(df: pd.DataFrame, questions: list[Question]) -> pd.DataFrame:
    out = df.copy().astype(object)
    out["lopnr"] = [int(v) for v in df["lopnr"]]
    out["vikt"] = [float(v) for v in df["vikt"]]
    out["kon"] = [v or None for v in df["kon"]]
    out["aldersgrupp"] = [v or None for v in df["aldersgrupp"]]
    for q in questions:
        out[q.kolumn] = [int(v) if v else None for v in df[q.kolumn]]
    return out


def mu_respondents(kolada: Kolada, kod: str, year: int, seed: int) -> int:
    """Kolada N00528 (answers) where it has it, else about 450."""
    g = kolada.get("N00528", kod, year)
    if g and "T" in g:
        return int(g["T"])
    wobble = math.exp(_rng(seed, "target", int(kod), year, 4).normal(0, 0.08))
    own = {y: v["T"] for y, v in kolada.series("N00528", kod).items() if "T" in v}
    if own:
        return int(round(own[min(own, key=lambda y: (abs(y - year), y))] * wobble))
    size = math.exp(_rng(seed, "target", int(kod), 0, 4).normal(0, 0.15))
    return int(round(450 * size * wobble))


# ---------------------------------------------------------------------------------------------
# Internal principal and recipient surveys
# ---------------------------------------------------------------------------------------------
def intern_survey(tree: Tree, year: int, questions: list[Question], seed: int) -> tuple[pd.DataFrame, dict]:
    rng = _rng(seed, "intern", int(tree.kod), year)
    units = tree.year(year)
    assessed = [c for c in KLF_ASSESSED if c in set(units["enhet"])]
    forvaltningar = [name for code, name, typ in units[["enhet", "namn", "typ"]].itertuples(index=False)
                     if typ == "forvaltning" and code != "KLF"]
    n_ks = int(rng.integers(11, 16))
    groups = ["Kommunstyrelsen"] * n_ks
    enkat = ["uppdragsgivare"] * n_ks
    enhet = ["KLF"] * n_ks
    for name in forvaltningar:
        m = int(rng.integers(8, 31))
        groups += [name] * m
        enkat += ["mottagare"] * m
        p = np.array([0.30, 0.30, 0.25, 0.15])[: len(assessed)]
        enhet += list(rng.choice(assessed, size=m, p=p / p.sum()))
    groups_a = np.array(groups, dtype=object)
    enkat_a = np.array(enkat, dtype=object)
    enhet_a = np.array(enhet, dtype=object)
    n = len(groups_a)

    persist = _rng(seed, "intern", int(tree.kod), 0)
    unit_eff = dict(zip(("KLF",) + KLF_ASSESSED, persist.normal(0, 0.25, 5) + np.array([0.1, 0.1, 0.05, -0.3, 0.1])))
    group_eff = {gname: e for gname, e in zip(["Kommunstyrelsen"] + forvaltningar,
                                               rng.normal(0, 0.25, 1 + len(forvaltningar)))}
    trend = 0.06 * (year - 2020)
    base = (np.array([unit_eff[e] for e in enhet_a]) + np.array([group_eff[gn] for gn in groups_a])
            + rng.normal(0, 0.6, n) + trend)
    q_count = len(questions)
    mus = np.array([q.mu for q in questions])
    latent = mus[None, :] + base[:, None] + rng.normal(0, 0.6, (n, q_count))
    codes = np.clip(np.rint(latent), 1, 6).astype(np.int8)
    vetej = rng.random((n, q_count)) < np.array([q.vetej for q in questions])[None, :]
    blank = rng.random((n, q_count)) < 0.015
    not_asked = (enkat_a == "mottagare")[:, None] & np.array([q.matt in _PRINCIPAL_ONLY for q in questions])[None, :]
    codes = np.where(vetej, 7, codes)
    codes = np.where(blank | not_asked, 0, codes).astype(np.int8)

    comment = rng.random(n) < 0.3
    texts = np.empty(n, dtype=object)
    for i in range(n):  # a few dozen rows: the pool depends on the survey and the unit
        key = "uppdragsgivare" if enkat_a[i] == "uppdragsgivare" else enhet_a[i]
        pool = INTERN_COMMENTS[key]
        texts[i] = pool[int(rng.integers(0, len(pool)))] if comment[i] else ""
    order = rng.permutation(n)
    frame = {"svarsid": np.arange(1, n + 1).astype(str).astype(object), "enkat": enkat_a[order],
             "respondentgrupp": groups_a[order], "enhet": enhet_a[order]}
    for j, q in enumerate(questions):
        frame[q.kolumn] = _code_strings(codes[order, j])
    frame["kommentar"] = texts[order]
    counts = pd.Series(groups_a).value_counts().to_dict()
    return pd.DataFrame(frame), {"respondents": n, "by_group": {k: int(v) for k, v in counts.items()}}


# ---------------------------------------------------------------------------------------------
# Profiles
# ---------------------------------------------------------------------------------------------
@dataclass
class Plan:
    municipalities: list[tuple[str, str]]  # (kod, name)
    years: list[int]
    full_catalogues: bool
    kolada_periods: tuple[int, int] | None
    staff_size: dict[str, float]
    intern_for: set[str]
    synthetic: bool


def _national_sizes(kommuner: pd.DataFrame, seed: int, total: float = 850_000.0) -> dict[str, float]:
    """A fixed size factor per municipality (lognormal), scaled so a year sums to ~850,000."""
    rng = _rng(seed, "size", 0)
    factor = rng.lognormal(0.0, 1.0, len(kommuner))
    sizes = dict(zip(kommuner["kommunkod"], factor))
    pinned = {"0483": 2300.0, "0884": 1100.0}  # same order of size as the small demo
    rest = total - sum(pinned.values())
    scale = rest / sum(v for k, v in sizes.items() if k not in pinned)
    return {k: (pinned[k] if k in pinned else max(150.0, v * scale)) for k, v in sizes.items()}


def _plan(profile: str, seed: int) -> Plan:
    kommuner = pd.read_csv(KOMMUNER_CSV, dtype=str)
    names = dict(zip(kommuner["kommunkod"], kommuner["kommun"]))
    if profile == "small":
        return Plan([("0483", names["0483"]), ("0884", names["0884"])], [2020, 2021, 2022], False,
                    (2019, 2022), {"0483": 2300.0, "0884": 1100.0}, {"0483"}, False)
    if profile == "large":
        return Plan([("0483", names["0483"])], [2022], True, (2019, 2022), {"0483": 50_000.0}, {"0483"}, True)
    if profile == "national":
        return Plan(list(zip(kommuner["kommunkod"], kommuner["kommun"])), list(range(2013, 2023)), True, None,
                    _national_sizes(kommuner, seed), set(kommuner["kommunkod"]), True)
    raise ValueError(f"unknown profile {profile!r}; choose one of {', '.join(PROFILES)}")


def _staff_count(plan: Plan, kod: str, year: int, seed: int) -> int:
    """Respondents of a municipality-year: its size, a slow growth and a response-rate wobble."""
    size = plan.staff_size[kod]
    if plan.synthetic and len(plan.years) == 1:
        return int(size)
    wobble = _rng(seed, "size", int(kod), year).normal(0, 0.035)
    growth = 1 + 0.008 * (year - plan.years[-1])
    return int(round(size * growth * math.exp(wobble)))


def generate(out_dir: Path, profile: str = "small", seed: int = 2024) -> dict:
    """Write the raw files of ``profile`` into ``out_dir``; returns a summary.

    Only the source folders this generator owns (see ``SOURCES``) are wiped and rewritten;
    anything else in ``out_dir`` (styrmodell/, README.md, ...) is left alone.
    """
    started = time.perf_counter()
    out_dir = Path(out_dir)
    plan = _plan(profile, seed)
    kolada = Kolada()
    out_dir.mkdir(parents=True, exist_ok=True)
    for source in SOURCES:
        shutil.rmtree(out_dir / source, ignore_errors=True)

    def fmt_for(source: str, kod: str, year: int) -> Fmt:
        return _small_format(source, kod, year) if profile == "small" else _national_format(source, kod, year, seed)

    files: list[Path] = []
    summary: dict = {"profile": profile, "seed": seed, "out_dir": str(out_dir), "years": plan.years,
                     "medarbetarenkat": {}, "medborgarundersokning": {}, "intern_enkat": {}}

    # Catalogues: one per source and year, shared by all municipalities.
    catalogues = {}
    for year in plan.years:
        catalogues[year] = {
            "medarbetarenkat": staff_catalogue(year, plan.full_catalogues),
            "medborgarundersokning": mu_catalogue(year, plan.full_catalogues),
            "intern_enkat": INTERN_QUESTIONS,
        }
        for source, questions in catalogues[year].items():
            path = out_dir / source / str(year) / "fragor.csv"
            _write_table(path, _catalogue_frame(questions), UTF8_SEMI)
            files.append(path)

    for kod, name in plan.municipalities:
        if plan.synthetic:
            tree = _synthetic_tree(kod, name, plan.staff_size[kod], plan.years, seed)
        else:
            tree = _small_tree(kod, seed)
        for year in plan.years:
            key = f"{kod}/{year}"
            # organisation
            fmt = fmt_for("organisation", kod, year)
            path = out_dir / "organisation" / str(year) / f"{kod}.csv"
            org = tree.year(year).drop(columns="idx")
            _write_table(path, org, replace(fmt, xlsx=False))
            files.append(path)

            # staff survey
            questions = catalogues[year]["medarbetarenkat"]
            frame, info = staff_survey(tree, year, _staff_count(plan, kod, year, seed), questions,
                                       hme_target(kolada, kod, year, seed), seed)
            fmt = replace(fmt_for("medarbetarenkat", kod, year), xlsx=False)
            path = out_dir / "medarbetarenkat" / str(year) / f"{kod}.csv"
            _write_table(path, frame, fmt)
            files.append(path)
            summary["medarbetarenkat"][key] = info

            # citizen survey
            questions = catalogues[year]["medborgarundersokning"]
            targets, gaps = mu_targets(kolada, questions, kod, year, seed)
            df, info = citizen_survey(questions, mu_respondents(kolada, kod, year, seed), targets, gaps,
                                      kod, year, seed)
            fmt = fmt_for("medborgarundersokning", kod, year)
            if fmt.xlsx:
                path = out_dir / "medborgarundersokning" / str(year) / f"{kod}.xlsx"
                _write_xlsx(path, _mu_xlsx_frame(df, questions), "Svar")
            else:
                path = out_dir / "medborgarundersokning" / str(year) / f"{kod}.csv"
                _write_table(path, _mu_text_frame(df, questions, fmt.decimal), fmt)
            files.append(path)
            if profile == "national":
                info = {k: v for k, v in info.items() if k != "values"}
            summary["medborgarundersokning"][key] = info

            # internal surveys
            if kod in plan.intern_for:
                frame, info = intern_survey(tree, year, catalogues[year]["intern_enkat"], seed)
                fmt = replace(fmt_for("intern_enkat", kod, year), xlsx=False)
                path = out_dir / "intern_enkat" / str(year) / f"{kod}.csv"
                _write_table(path, frame, fmt)
                files.append(path)
                summary["intern_enkat"][key] = info

    files += kolada.write(out_dir, plan.kolada_periods)
    summary["files"] = len(files)
    summary["bytes"] = sum(p.stat().st_size for p in files)
    summary["respondents"] = {
        source: sum(v["respondents"] for v in summary[source].values())
        for source in ("medarbetarenkat", "medborgarundersokning", "intern_enkat")}
    summary["seconds"] = round(time.perf_counter() - started, 1)
    if len(plan.municipalities) * len(plan.years) > 10:  # keep the summary short for the big profiles
        for source in ("medarbetarenkat", "medborgarundersokning", "intern_enkat"):
            summary[source] = {"municipality_years": len(summary[source])}
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipelines.demo.generate", description=__doc__.split("\n")[0])
    parser.add_argument("--out", required=True, type=Path, help="output directory (the raw directory)")
    parser.add_argument("--profile", default="small", choices=PROFILES)
    parser.add_argument("--seed", default=2024, type=int)
    args = parser.parse_args(argv)
    summary = generate(args.out, args.profile, args.seed)
    json.dump(summary, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
