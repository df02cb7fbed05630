"""Goal models (styrmodell/<year>/<kod>.yml) for the generated benchmark profiles.

The repo's generator writes every source except styrmodell (the demo's goal models are written
by hand). The issue's national profile includes "the goal models", and three of the five
dashboard queries read goal tables, so the benchmark writes a plausible, deterministic goal
model for each municipality and year that has an organisation file: a vision, one
kommunfullmaktige goal per area of the malkompass, one namnd goal per forvaltning (on that unit)
and a delmal under each, 20-40 indicators on survey and Kolada measures (whole municipality and
units), bands, peers and activities. Every measure it names is in that year's catalogue or in
the Kolada file, and every unit is in that year's tree, so each year passes the gate.

    python bench/goal_models.py RAW_DIR
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

AREAS = ["Service", "Tillväxt", "Medborgare", "Ledare och Medarbetare", "Livsmiljö", "Arbetsmiljö"]
STATUSES = ["planerad", "pagaende", "klar", "installd"]
REPO = Path(__file__).resolve().parent.parent


def _catalogue(raw: Path, source: str, year: int) -> set[str]:
    path = raw / source / str(year) / "fragor.csv"
    if not path.exists():
        return set()
    text = path.read_text(encoding="utf-8-sig")
    sep = ";" if ";" in text.split("\n", 1)[0] else ","
    codes = set()
    for row in csv.DictReader(text.splitlines(), delimiter=sep):
        row = {k.strip().lower(): (v or "").strip() for k, v in row.items()}
        codes.add(row["matt"])
        codes.update(g.strip() for g in row.get("grupp", "").split(",") if g.strip())
    return codes


def _units(path: Path) -> list[dict]:
    text = path.read_bytes()
    try:
        text = text.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = text.decode("cp1252")
    sep = ";" if ";" in text.split("\n", 1)[0] else ","
    return [{k.strip().lower(): (v or "").strip() for k, v in r.items()} for r in csv.DictReader(text.splitlines(), delimiter=sep)]


def _peers(kod: str, codes: list[str]) -> list[str]:
    i = codes.index(kod) if kod in codes else 0
    around = [codes[j] for j in range(max(0, i - 3), min(len(codes), i + 4)) if codes[j] != kod]
    return around[:5]


def _q(s: str) -> str:
    return '"' + s.replace('"', "'") + '"'


def goal_model(kod: str, year: int, units: list[dict], staff: set[str], citizen: set[str], intern: set[str],
               peers: list[str]) -> str:
    root = next(u["enhet"] for u in units if not u.get("overordnad"))
    forvaltningar = [u["enhet"] for u in units if u.get("typ") == "forvaltning"][:8]
    children = {}
    for u in units:
        children.setdefault(u.get("overordnad"), []).append(u["enhet"])
    lines = [f"# Benchmark goal model for {kod} {year} (bench/goal_models.py)",
             "malkompass: [" + ", ".join(AREAS) + "]",
             "jamforelsekommuner: [" + ", ".join(_q(p) for p in peers) + "]",
             "minsta_antal_svar: 5",
             "skalor:",
             "  chefsindex:",
             "    - {fran: 80, etikett: utmärkt}", "    - {fran: 70, etikett: bra}",
             "    - {fran: 60, etikett: godkänt}", "    - {fran: null, etikett: underkänt}",
             "mal:",
             "  - id: VISION",
             f"    namn: Visionen för {kod}",
             "    niva: vision"]
    citizen_main = next((c for c in ("BRA_PLATS", "NRI") if c in citizen), None)
    citizen_service = next((c for c in ("VERKSAMHETER", "NMI") if c in citizen), None)
    citizen_influence = next((c for c in ("INFLYTANDE", "NII") if c in citizen), None)
    kf = {
        "Service": [("medborgarundersokning", citizen_service, 70, None), ("kolada", "N00668", 85, None)],
        "Tillväxt": [("kolada", "U07451", 75, None)],
        "Medborgare": [("medborgarundersokning", citizen_main, 80, None), ("kolada", "N00667", 90, None),
                       ("medborgarundersokning", citizen_influence, 40, None)],
        "Ledare och Medarbetare": [("medarbetarenkat", "HME", 80, None), ("kolada", "U00200", 80, None),
                                   ("medarbetarenkat", "CHEFSINDEX", 70, "chefsindex")],
        "Livsmiljö": [("kolada", "N00529", 60, None)],
        "Arbetsmiljö": [("medarbetarenkat", "ARBETSMILJO", 65, None), ("medarbetarenkat", "ATERHAMTNING", 60, None)],
    }
    known = {"medarbetarenkat": staff, "medborgarundersokning": citizen, "intern_enkat": intern, "kolada": None}
    n_act = 0

    def indicator(gid: str, i: int, source: str, code: str | None, target: float, band: str | None, enhet: str | None = None):
        if code is None or (known[source] is not None and code not in known[source]):
            return []
        parts = [f"id: {gid}-{i}", f"matt: {source}.{code}"]
        if enhet:
            parts.append(f"enhet: {enhet}")
        parts += [f"malvarde: {target}", "riktning: hogre", f"delvis_fran: {target - 5}"]
        if band:
            parts.append(f"skala: {band}")
        return ["      - {" + ", ".join(parts) + "}"]

    def activities(gid: str, k: int):
        nonlocal n_act
        out = ["    aktiviteter:"]
        for j in range(1, k + 1):
            n_act += 1
            out.append(f"      - {{id: A-{gid}-{j}, namn: Aktivitet {j} för {gid}, last: {'true' if (n_act % 3 == 0) else 'false'}, "
                       f"status: {STATUSES[(n_act + year) % 4]}}}")
        return out

    for a, area in enumerate(AREAS, start=1):
        gid = f"KF{a}"
        inds = [line for i, (s, c, t, b) in enumerate(kf[area], start=1) for line in indicator(gid, i, s, c, t, b)]
        lines += [f"  - id: {gid}", f"    namn: Kommunfullmäktiges mål för {area.lower()}", "    niva: kommunfullmaktige",
                  f"    omrade: {area}", "    forelder: VISION"]
        if inds:
            lines += ["    indikatorer:"] + inds
        lines += activities(gid, 2)
    for f, unit in enumerate(forvaltningar, start=1):
        gid = f"N{f}"
        area = AREAS[3] if f % 2 else AREAS[0]
        inds = (indicator(gid, 1, "medarbetarenkat", "HME", 80, None, unit)
                + indicator(gid, 2, "medarbetarenkat", "CHEFSINDEX", 70, "chefsindex", unit))
        if unit == "KLF" and intern:
            inds += indicator(gid, 3, "intern_enkat", "STOD", 75, None, unit)
        lines += [f"  - id: {gid}", f"    namn: Nämndens mål för {unit}", "    niva: namnd", f"    omrade: {area}",
                  f"    enhet: {unit}", f"    forelder: KF{4 if f % 2 else 1}"]
        if inds:
            lines += ["    indikatorer:"] + inds
        lines += activities(gid, 3)
        sub = children.get(unit, [])[:3]
        if sub:
            did = f"D{f}"
            dinds = [line for j, s in enumerate(sub, start=1)
                     for line in indicator(did, j, "medarbetarenkat", "HME_LEDARSKAP", 78, "chefsindex", s)]
            lines += [f"  - id: {did}", f"    namn: Delmål för verksamheterna i {unit}", "    niva: delmal",
                      f"    omrade: {area}", f"    enhet: {unit}", f"    forelder: {gid}"]
            if dinds:
                lines += ["    indikatorer:"] + dinds
            lines += activities(did, 1)
    assert root
    return "\n".join(lines) + "\n"


def write_goal_models(raw: Path) -> int:
    """Write styrmodell/<year>/<kod>.yml for every organisation file of `raw`; returns how many."""
    raw = Path(raw)
    codes = sorted(r["kommunkod"] for r in csv.DictReader(open(REPO / "dbt_project" / "seeds" / "kommuner.csv", encoding="utf-8")))
    n = 0
    for year_dir in sorted((raw / "organisation").glob("[0-9][0-9][0-9][0-9]")):
        year = int(year_dir.name)
        staff = _catalogue(raw, "medarbetarenkat", year)
        citizen = _catalogue(raw, "medborgarundersokning", year)
        intern = _catalogue(raw, "intern_enkat", year)
        for org in sorted(year_dir.glob("[0-9][0-9][0-9][0-9].csv")):
            kod = org.stem
            has_intern = any((raw / "intern_enkat" / str(year) / f"{kod}.{ext}").exists() for ext in ("csv", "xlsx"))
            text = goal_model(kod, year, _units(org), staff, citizen, intern if has_intern else set(), _peers(kod, codes))
            dest = raw / "styrmodell" / str(year) / f"{kod}.yml"
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(text, encoding="utf-8")
            n += 1
    return n


if __name__ == "__main__":
    print(write_goal_models(Path(sys.argv[1])))
