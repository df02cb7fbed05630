"""Small hand-worked cases for `fct_measure_value` (contract sections 2, 3 and 5).

Pure data, shared by every implementation under test (the pandas peer, the dbt pipeline):

    CASES: list of dicts
      name      short id
      about     what the case pins down
      files     {path relative to the raw dir: str (written as UTF-8) or bytes (written as is)}
      expected  expected rows of fct_measure_value (dicts; see `shown` / `hidden` below)
      complete  True  -> the expected rows are ALL the rows the raw dir yields;
                list  -> for these measure_ids the expected rows are all of their rows.
    write_case(case, raw_dir)   writes a case's files under raw_dir.

Every expected number is worked out by hand in the comment beside it; the number itself is
written as the exact arithmetic of that comment (e.g. `(23/6 - 1) * 25`), never as the output
of an implementation. Conventions used in the comments:
  index of a 1-K question  = (mean - 1) * 100 / (K - 1)    (1-5: *25, 1-4: *100/3, 1-10: *100/9)
  interval (1-K)           = m +/- 1.96 sqrt(s2 / n_eff), s2 = sum w(x-m)^2 / sum w * n_eff/(n_eff-1)
                             (all weights 1: n_eff = n and s2 is the sample variance)
  verbal4 share            = weight of answers 1-2 / weight of answers 1-4 * 100,
  its interval             = p +/- 1.96 sqrt(p(1-p) / n_eff), both clipped to 0..100.
"""
from __future__ import annotations

import io
from math import sqrt
from pathlib import Path

TOTAL = ("total", "Totalt")
NOT_WORKED = object()  # ci not worked out by hand for this cell: not asserted


def shown(measure_id, kommunkod, year, enhet, group, value, n, ci=NOT_WORKED):
    """An expected visible cell. group = (group_type, group_value); ci = (low, high) or None."""
    row = {"measure_id": measure_id, "kommunkod": kommunkod, "year": year, "enhet": enhet,
           "group_type": group[0], "group_value": group[1], "value": value,
           "n_answers": n, "suppressed": False}
    if ci is None:
        row["ci_low"] = row["ci_high"] = None
    elif ci is not NOT_WORKED:
        row["ci_low"], row["ci_high"] = ci
    return row


def hidden(measure_id, kommunkod, year, enhet, group, n):
    """An expected suppressed cell: it keeps its row and n, value and interval are null."""
    return {"measure_id": measure_id, "kommunkod": kommunkod, "year": year, "enhet": enhet,
            "group_type": group[0], "group_value": group[1], "value": None,
            "n_answers": n, "ci_low": None, "ci_high": None, "suppressed": True}


def csv(*lines: str) -> str:
    """CSV text from its lines (the cases use `;` unless they test something else)."""
    return "\n".join(lines) + "\n"


def xlsx(rows: list[list]) -> bytes:
    """An .xlsx file whose first sheet holds rows (first row = header); None = empty cell."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "Svar"
    for row in rows:
        ws.append(row)
    wb.create_sheet("Info").append(["Second sheet: must be ignored"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def write_case(case: dict, raw_dir: Path) -> None:
    raw_dir = Path(raw_dir)
    for rel, content in case["files"].items():
        path = raw_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")


CASES: list[dict] = []

# =============================================================================================
# A. A 1-5 question with "vet ej" (6) and blanks; a question nobody answered; clipping at 100.
# =============================================================================================
CASES.append({
    "name": "staff_1_5_vet_ej_and_blanks",
    "about": "1-5 index over valid answers only (6 = vet ej, blank excluded); a question with "
             "only vet ej/blank has no cell at all; an interval clipped at 100; all respondents "
             "on the root unit -> only municipality cells (enhet null), no row for the root code.",
    "files": {
        "organisation/2024/0483.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Katrineholms kommun;;kommun"),
        "medarbetarenkat/2024/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;ARBETE_MENING;Jag upplever mitt arbete som meningsfullt;1-5;",
            "f2;LARANDE;Jag lär nytt och utvecklas i mitt dagliga arbete;1-5;",
            "f3;SER_FRAM;Jag ser fram emot att gå till arbetet;1-5;"),
        "medarbetarenkat/2024/0483.csv": csv(
            "svarsid;enhet;kon;f1;f2;f3;kommentar",
            "1;KOMMUN;K;5;6;5;",
            "2;KOMMUN;K;4;;5;Bra stämning",
            "3;KOMMUN;K;4;6;5;",
            "4;KOMMUN;K;3;;5;",
            "5;KOMMUN;K;6;;4;",
            "6;KOMMUN;K;;6;;",
            "7;KOMMUN;K;2;;5;",
            "8;KOMMUN;K;5;6;5;"),
    },
    "expected": [
        # ARBETE_MENING (f1): valid 5,4,4,3,2,5 (resp 5 = vet ej, resp 6 blank) -> n = 6,
        #   sum 23, m = 23/6 = 3.8333; index = (23/6 - 1) * 25 = 17/6 * 25 = 425/6 = 70.8333.
        #   deviations 7/6, 1/6, 1/6, -5/6, -11/6, 7/6 -> squares (49+1+1+25+121+49)/36 = 246/36;
        #   s2 = 246/36 / 6 * 6/5 = 41/30; s2/n = 41/180 = 0.227778; sqrt = 0.477261;
        #   half = 1.96 * 0.477261 = 0.935431 -> on the index scale * 25 = 23.385774:
        #   ci = 70.833333 -/+ 23.385774 = 47.447559 .. 94.219108.
        shown("medarbetarenkat.ARBETE_MENING", "0483", 2024, None, TOTAL, (23 / 6 - 1) * 25, 6,
              ((23 / 6 - 1.96 * sqrt(41 / 180) - 1) * 25, (23 / 6 + 1.96 * sqrt(41 / 180) - 1) * 25)),
        # everyone has kon K -> the K group is the same respondents as the total
        shown("medarbetarenkat.ARBETE_MENING", "0483", 2024, None, ("kon", "K"), (23 / 6 - 1) * 25, 6,
              ((23 / 6 - 1.96 * sqrt(41 / 180) - 1) * 25, (23 / 6 + 1.96 * sqrt(41 / 180) - 1) * 25)),
        # LARANDE (f2): only 6 (vet ej) and blanks -> no cell at all.
        # SER_FRAM (f3): valid 5,5,5,5,4,5,5 (resp 6 blank) -> n = 7, sum 34, m = 34/7;
        #   index = (34/7 - 1) * 25 = 27/7 * 25 = 675/7 = 96.428571.
        #   deviations 1/7 (six times) and -6/7 -> squares 6/49 + 36/49 = 42/49;
        #   s2 = 42/49 / 7 * 7/6 = 1/7; s2/n = 1/49; sqrt = 1/7; half = 1.96/7 = 0.28;
        #   ci = (34/7 - 0.28 - 1) * 25 = 96.428571 - 7 = 89.428571 ..
        #        (34/7 + 0.28 - 1) * 25 = 103.428571 -> clipped to 100.
        shown("medarbetarenkat.SER_FRAM", "0483", 2024, None, TOTAL, (34 / 7 - 1) * 25, 7,
              ((34 / 7 - 0.28 - 1) * 25, 100.0)),
        shown("medarbetarenkat.SER_FRAM", "0483", 2024, None, ("kon", "K"), (34 / 7 - 1) * 25, 7,
              ((34 / 7 - 0.28 - 1) * 25, 100.0)),
    ],
    "complete": True,
})

# =============================================================================================
# B. Medborgarundersökningen, old design: 1-10 with weights (decimal comma), weighted interval.
# =============================================================================================
MU_2020_FRAGOR = csv(
    "kolumn;matt;text;skala;grupp",
    "q7;REK_BO;Hur troligt är det att du skulle rekommendera en vän att flytta hit?;1-10;")
MU_WEIGHTS_ROWS = [  # lopnr, kon, aldersgrupp, vikt, q7   (reused by the file-mechanics cases)
    [1, "K", "25-34", 2, 8],
    [2, "K", "35-44", 1, 6],
    [3, "M", "45-54", 0.5, 10],
    [4, "M", "55-64", 1.5, 7],
    [5, "K", "65-74", 1, 11],      # 11 = vet ej on a 1-10 scale
    [6, "M", "75-84", 3, 9],
    [7, "K", "18-24", 1, None],    # blank
]
R = "medborgarundersokning.REK_BO"
MU_WEIGHTS_EXPECTED = [
    # valid: resp 1,2,3,4,6 (5 = vet ej, 7 blank) -> n = 5
    #   sum w = 2 + 1 + 0.5 + 1.5 + 3 = 8;  sum w x = 16 + 6 + 5 + 10.5 + 27 = 64.5
    #   m = 64.5 / 8 = 8.0625; index = (8.0625 - 1) * 100 / 9 = 706.25 / 9 = 78.472222
    #   sum w^2 = 4 + 1 + 0.25 + 2.25 + 9 = 16.5;  n_eff = 8^2 / 16.5 = 64/16.5 = 3.878788
    #   sum w (x-m)^2 = 2*0.0625^2 + 1*2.0625^2 + 0.5*1.9375^2 + 1.5*1.0625^2 + 3*0.9375^2
    #                 = 0.0078125 + 4.25390625 + 1.876953125 + 1.693359375 + 2.63671875 = 10.46875
    #     (check: sum w x^2 = 128 + 36 + 50 + 73.5 + 243 = 530.5; 530.5 - 8 * 8.0625^2 = 10.46875)
    #   s2 = 10.46875 / 8 * n_eff/(n_eff - 1) = 1.30859375 * 64/47.5 = 83.75/47.5 = 1.763158
    #   s2 / n_eff = 1.763158 * 16.5/64 = 0.454564; sqrt = 0.674214; half = 1.96 * it = 1.321459
    #   ci = (8.0625 - 1.321459 - 1) * 100/9 = 63.789346 .. (8.0625 + 1.321459 - 1) * 100/9 = 93.155099
    shown(R, "0884", 2020, None, TOTAL, (64.5 / 8 - 1) * 100 / 9, 5,
          ((64.5 / 8 - 1.96 * sqrt((10.46875 / 8) * (64 / 47.5) / (64 / 16.5)) - 1) * 100 / 9,
           (64.5 / 8 + 1.96 * sqrt((10.46875 / 8) * (64 / 47.5) / (64 / 16.5)) - 1) * 100 / 9)),
    # kon: K = resp 1,2 (5 vet ej, 7 blank) -> n 2; M = resp 3,4,6 -> n 3: both below 5 (a);
    #   two hidden in the split -> (b) does not apply.
    hidden(R, "0884", 2020, None, ("kon", "K"), 2),
    hidden(R, "0884", 2020, None, ("kon", "M"), 3),
    # aldersgrupp: one valid answer each in 25-34, 35-44, 45-54, 55-64, 75-84 -> all hidden;
    #   65-74 (only resp 5, vet ej) and 18-24 (only resp 7, blank) have no cell.
    hidden(R, "0884", 2020, None, ("aldersgrupp", "25-34"), 1),
    hidden(R, "0884", 2020, None, ("aldersgrupp", "35-44"), 1),
    hidden(R, "0884", 2020, None, ("aldersgrupp", "45-54"), 1),
    hidden(R, "0884", 2020, None, ("aldersgrupp", "55-64"), 1),
    hidden(R, "0884", 2020, None, ("aldersgrupp", "75-84"), 1),
]


def _mu_weights_csv(rows) -> str:
    def text(v):
        if v is None:
            return ""
        return str(v).replace(".", ",")  # decimal comma, as SCB delivers it
    return csv("lopnr;kon;aldersgrupp;vikt;q7", *(";".join(text(v) for v in r) for r in rows))


CASES.append({
    "name": "citizen_old_design_weights",
    "about": "1-10 betygsindex with calibration weights (decimal comma), 11 = vet ej, a blank; "
             "weighted mean and weighted interval (n_eff); background groups only hidden/absent.",
    "files": {
        "medborgarundersokning/2020/fragor.csv": MU_2020_FRAGOR,
        "medborgarundersokning/2020/0884.csv": _mu_weights_csv(MU_WEIGHTS_ROWS),
    },
    "expected": MU_WEIGHTS_EXPECTED,
    "complete": True,
})

# =============================================================================================
# C. Medborgarundersökningen, new design: verbal4 share with "vet inte" (5).
# =============================================================================================
B = "medborgarundersokning.BRA_PLATS"
CASES.append({
    "name": "citizen_verbal4_share",
    "about": "verbal4: share of 1-2 among 1-4 in %, 5 = vet inte and blank excluded, no vikt "
             "column (weights 1); blank kon -> group Okänt; all aldersgrupp blank -> one Okänt group.",
    "files": {
        "medborgarundersokning/2022/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f12;BRA_PLATS;Hur ser du på din kommun som en plats att bo och leva på?;verbal4;"),
        "medborgarundersokning/2022/2283.csv": csv(
            "lopnr;kon;aldersgrupp;f12",
            "101;K;;1",
            "102;M;;2",
            "103;;;2",
            "104;K;;3",
            "105;M;;4",
            "106;K;;5",
            "107;M;;5",
            "108;K;;",
            "109;M;;1",
            "110;K;;3"),
    },
    "expected": [
        # valid (1-4): 101,102,103,104,105,109,110 -> n = 7; 1-2: 101,102,103,109 -> 4
        #   share = 4/7 * 100 = 57.142857
        #   p(1-p)/n = (4/7)(3/7)/7 = 12/343 = 0.034985; sqrt = 0.187044; half = 0.366606
        #   ci = (0.571429 -/+ 0.366606) * 100 = 20.482252 .. 93.803463
        shown(B, "2283", 2022, None, TOTAL, 4 / 7 * 100, 7,
              ((4 / 7 - 1.96 * sqrt(12 / 343)) * 100, (4 / 7 + 1.96 * sqrt(12 / 343)) * 100)),
        # kon K: 101(1), 104(3), 110(3) -> n 3 (106 vet inte, 108 blank); M: 102, 105, 109 -> n 3
        #   (107 vet inte); Okänt (blank kon): 103 -> n 1. All three below 5 -> hidden by (a);
        #   more than one hidden -> no (b).
        hidden(B, "2283", 2022, None, ("kon", "K"), 3),
        hidden(B, "2283", 2022, None, ("kon", "M"), 3),
        hidden(B, "2283", 2022, None, ("kon", "Okänt"), 1),
        # aldersgrupp blank for everyone -> the Okänt group holds all 7 valid answers: as the total
        shown(B, "2283", 2022, None, ("aldersgrupp", "Okänt"), 4 / 7 * 100, 7,
              ((4 / 7 - 1.96 * sqrt(12 / 343)) * 100, (4 / 7 + 1.96 * sqrt(12 / 343)) * 100)),
    ],
    "complete": True,
})

# =============================================================================================
# D. Three-level unit subtree: parent over the subtree's respondents, not a mean of means.
# =============================================================================================
M1 = "medarbetarenkat.MENINGSFULLT"
CASES.append({
    "name": "unit_subtree_three_levels",
    "about": "SN -> SF -> HEM/BOE with respondents on SF and SN themselves: each unit's cell is "
             "over its whole subtree (not a mean of means); the root's respondents only count for "
             "the municipality; a unit whose only answer is vet ej has no row. minsta_antal_svar 3 "
             "(the least the contract allows) and every cell and own group at 0 or at least 3: "
             "nothing is suppressed.",
    "files": {
        "styrmodell/2024/0884.yml": (
            "malkompass: [Service, Ledare och Medarbetare]\n"
            "jamforelsekommuner: [\"0483\"]\n"
            "minsta_antal_svar: 3\n"
            "mal: []\n"),
        "organisation/2024/0884.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Vimmerby kommun;;kommun",
            "SN;Socialnämnden;KOMMUN;namnd",
            "SF;Socialförvaltningen;SN;forvaltning",
            "HEM;Hemtjänst;SF;enhet",
            "BOE;Särskilt boende;SF;enhet",
            "BUN;Barn- och utbildningsnämnden;KOMMUN;namnd",
            "SKOLA;Södra skolan;BUN;enhet",
            "FRI;Fritidsgården;BUN;enhet"),
        "medarbetarenkat/2024/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;MENINGSFULLT;Jag upplever att mitt arbete känns meningsfullt;1-5;"),
        "medarbetarenkat/2024/0884.csv": csv(
            "svarsid;enhet;kon;f1",
            "1;HEM;K;5",
            "2;HEM;M;4",
            "3;HEM;K;4",
            "4;HEM;M;5",
            "5;BOE;K;2",
            "6;BOE;M;3",
            "7;BOE;K;2",
            "8;SF;M;3",
            "9;SF;K;1",
            "10;SF;M;2",
            "11;SN;K;4",
            "12;SN;M;5",
            "13;SN;K;3",
            "14;SKOLA;K;5",
            "15;SKOLA;K;4",
            "16;SKOLA;M;3",
            "17;FRI;K;6",
            "18;KOMMUN;M;3",
            "19;KOMMUN;K;4",
            "20;KOMMUN;M;2"),
    },
    "expected": [
        # whole municipality: resp 1-16 and 18-20 (17 = vet ej): HEM 18 + BOE 7 + SF 6 + SN 12
        #   + SKOLA 12 + KOMMUN 9 = 64, n 19 -> (64/19 - 1) * 25 = 45/19 * 25 = 59.210526
        shown(M1, "0884", 2024, None, TOTAL, (64 / 19 - 1) * 25, 19),
        # SN subtree = SN, SF, HEM, BOE: resp 1-13: 18 + 7 + 6 + 12 = 43, n 13
        #   (43/13 - 1) * 25 = 30/13 * 25 = 57.692308
        shown(M1, "0884", 2024, "SN", TOTAL, (43 / 13 - 1) * 25, 13),
        # SF subtree = SF, HEM, BOE: resp 1-10: 5+4+4+5+2+3+2+3+1+2 = 31, n 10 -> (3.1 - 1) * 25 = 52.5
        #   (a mean of means HEM 4.5, BOE 7/3, SF's own 2 would give (53/18 - 1) * 25 = 48.61: wrong)
        #   deviations from 3.1: 1.9, 0.9, 0.9, 1.9, -1.1, -0.1, -1.1, -0.1, -2.1, -1.1 -> squares 16.9;
        #   s2 = 16.9 / 9; s2/n = 16.9/90 = 169/900; sqrt = 13/30; half = 1.96 * 13/30 = 0.849333
        #   -> *25 = 21.233333; ci = 52.5 -/+ 21.233333 = 31.266667 .. 73.733333
        shown(M1, "0884", 2024, "SF", TOTAL, (31 / 10 - 1) * 25, 10,
              ((31 / 10 - 1.96 * 13 / 30 - 1) * 25, (31 / 10 + 1.96 * 13 / 30 - 1) * 25)),
        # HEM: 5+4+4+5 = 18, n 4 -> (4.5 - 1) * 25 = 87.5
        shown(M1, "0884", 2024, "HEM", TOTAL, (18 / 4 - 1) * 25, 4),
        # BOE: 2+3+2 = 7, n 3 -> (7/3 - 1) * 25 = 33.333333
        shown(M1, "0884", 2024, "BOE", TOTAL, (7 / 3 - 1) * 25, 3),
        # BUN subtree = SKOLA, FRI: resp 14-16 (5+4+3 = 12); resp 17 on FRI is vet ej -> n 3,
        #   (12/3 - 1) * 25 = 75
        shown(M1, "0884", 2024, "BUN", TOTAL, 75.0, 3),
        shown(M1, "0884", 2024, "SKOLA", TOTAL, 75.0, 3),
        # FRI: no valid answer -> no row. KOMMUN (root): its cell is the enhet-null cell above.
        # kon K: resp 1,3,5,7,9,11,13,14,15,19: 5+4+2+2+1+4+3+5+4+4 = 34, n 10 -> (3.4 - 1) * 25 = 60
        shown(M1, "0884", 2024, None, ("kon", "K"), (34 / 10 - 1) * 25, 10),
        # kon M: resp 2,4,6,8,10,12,16,18,20: 4+5+3+3+2+5+3+3+2 = 30, n 9 -> (30/9 - 1) * 25 = 58.333333
        shown(M1, "0884", 2024, None, ("kon", "M"), (30 / 9 - 1) * 25, 9),
    ],
    "complete": True,
})

# =============================================================================================
# E. Suppression: a unit with 4 answers, the complementary cell, a tie broken by text order.
# =============================================================================================
T1 = "medarbetarenkat.TILLIT"
_E_ROWS = (  # enhet, kon, answers
    [("ADM", "K", a) for a in (3, 4, 5, 4)]
    + [("BOU", "K", a) for a in (4, 4, 4, 4, 4, 4)]
    + [("SOC", "M", a) for a in (5, 5, 4, 4, 3, 3)]
    + [("TEK1", "K", a) for a in (2, 3, 4, 5, 1)]
    + [("TEK2", "M", a) for a in (4, 4, 5, 5)]
)
CASES.append({
    "name": "unit_suppression_complement_and_tie",
    "about": "limit 5 (no goal model): ADM has 4 answers -> hidden; among its siblings BOU and "
             "SOC tie at 6 -> BOU (text order) hidden too although SOC is listed first; under "
             "TEK, TEK2 (4) hidden -> TEK1 (5, the only sibling) hidden.",
    "files": {
        "organisation/2024/2283.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Sollefteå kommun;;kommun",
            "SOC;Socialförvaltningen;KOMMUN;forvaltning",
            "BOU;Barn- och utbildningsförvaltningen;KOMMUN;forvaltning",
            "ADM;Kommunledningsförvaltningen;KOMMUN;forvaltning",
            "TEK;Tekniska förvaltningen;KOMMUN;forvaltning",
            "TEK1;Gata och park;TEK;verksamhet",
            "TEK2;Fastighet;TEK;verksamhet"),
        "medarbetarenkat/2024/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f5;TILLIT;Min närmaste chef visar förtroende för mig som medarbetare;1-5;"),
        "medarbetarenkat/2024/2283.csv": csv(
            "svarsid;enhet;kon;f5",
            *(f"{i};{e};{k};{a}" for i, (e, k, a) in enumerate(_E_ROWS, start=1))),
    },
    "expected": [
        # whole: ADM 3+4+5+4 = 16, BOU 6*4 = 24, SOC 5+5+4+4+3+3 = 24, TEK1 2+3+4+5+1 = 15,
        #   TEK2 4+4+5+5 = 18 -> 97 over n 25, m = 3.88, index = 2.88 * 25 = 72
        #   sum x^2 = 66 + 96 + 100 + 55 + 82 = 399; sum (x-m)^2 = 399 - 25 * 3.88^2 = 22.64
        #   s2 = 22.64 / 24 = 0.943333; s2/n = 0.037733; sqrt = 0.194251; half = 0.380732
        #   ci = 72 -/+ 25 * 0.380732 = 72 -/+ 9.518284 = 62.481716 .. 81.518284
        shown(T1, "2283", 2024, None, TOTAL, (97 / 25 - 1) * 25, 25,
              ((97 / 25 - 1.96 * sqrt(22.64 / 24 / 25) - 1) * 25,
               (97 / 25 + 1.96 * sqrt(22.64 / 24 / 25) - 1) * 25)),
        # split under the municipality = children of the root: ADM 4, BOU 6, SOC 6, TEK 9
        #   (a) ADM 4 < 5 -> hidden.  (b) exactly one hidden -> smallest n among BOU 6, SOC 6,
        #   TEK 9: tie BOU/SOC -> "BOU" < "SOC" -> BOU hidden.
        hidden(T1, "2283", 2024, "ADM", TOTAL, 4),
        hidden(T1, "2283", 2024, "BOU", TOTAL, 6),
        # SOC: 5,5,4,4,3,3: m = 4 -> (4 - 1) * 25 = 75; squares 1+1+0+0+1+1 = 4; s2 = 4/5 = 0.8;
        #   s2/n = 0.8/6; sqrt = 0.365148; half = 0.715691 -> *25 = 17.892270
        #   ci = 75 -/+ 17.892270 = 57.107730 .. 92.892270
        shown(T1, "2283", 2024, "SOC", TOTAL, 75.0, 6,
              ((4 - 1.96 * sqrt(0.8 / 6) - 1) * 25, (4 + 1.96 * sqrt(0.8 / 6) - 1) * 25)),
        # TEK subtree = TEK1 + TEK2: 15 + 18 = 33, n 9 -> (33/9 - 1) * 25 = 24/9 * 25 = 66.666667
        shown(T1, "2283", 2024, "TEK", TOTAL, (33 / 9 - 1) * 25, 9),
        # split under TEK: TEK1 5, TEK2 4 -> (a) TEK2 hidden; (b) TEK1 (the only other) hidden
        hidden(T1, "2283", 2024, "TEK1", TOTAL, 5),
        hidden(T1, "2283", 2024, "TEK2", TOTAL, 4),
        # kon K = ADM, BOU, TEK1: 16 + 24 + 15 = 55, n 15 -> (55/15 - 1) * 25 = 66.666667
        shown(T1, "2283", 2024, None, ("kon", "K"), (55 / 15 - 1) * 25, 15),
        # kon M = SOC, TEK2: 24 + 18 = 42, n 10 -> (4.2 - 1) * 25 = 80
        shown(T1, "2283", 2024, None, ("kon", "M"), (42 / 10 - 1) * 25, 10),
    ],
    "complete": True,
})

# =============================================================================================
# F. A background split with one hidden group (Okänt) and its complement; "exactly one" rule.
# =============================================================================================
F = "medborgarundersokning.BRA_PLATS"
CASES.append({
    "name": "background_split_okant_suppressed",
    "about": "kon: Okänt (blank kon, 3 answers) hidden -> K (6, smaller than M 7) hidden too; "
             "aldersgrupp: two groups hidden -> (b) does not apply, 45-54 shown.",
    "files": {
        "medborgarundersokning/2022/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;BRA_PLATS;Hur ser du på din kommun som en plats att bo och leva på?;verbal4;"),
        "medborgarundersokning/2022/0780.csv": csv(
            "lopnr;kon;aldersgrupp;f1",
            "1;K;18-24;1",
            "2;K;18-24;2",
            "3;K;25-34;3",
            "4;K;45-54;1",
            "5;K;45-54;2",
            "6;K;45-54;4",
            "7;M;25-34;1",
            "8;M;25-34;1",
            "9;M;45-54;2",
            "10;M;45-54;3",
            "11;M;45-54;4",
            "12;M;45-54;4",
            "13;M;45-54;2",
            "14;;45-54;1",
            "15;;45-54;3",
            "16;;45-54;2"),
    },
    "expected": [
        # total: n 16; answers 1-2: resp 1,2,4,5,7,8,9,13,14,16 = 10 -> 10/16 = 62.5 %
        #   p(1-p)/n = 0.625 * 0.375 / 16 = 0.014648; sqrt = 0.121031; half = 0.237221
        #   ci = 38.777977 .. 86.222023
        shown(F, "0780", 2022, None, TOTAL, 10 / 16 * 100, 16,
              ((0.625 - 1.96 * sqrt(0.625 * 0.375 / 16)) * 100,
               (0.625 + 1.96 * sqrt(0.625 * 0.375 / 16)) * 100)),
        # kon: K = resp 1-6 (n 6), M = resp 7-13 (n 7), Okänt = resp 14-16 (n 3)
        #   (a) Okänt 3 < 5 hidden; (b) exactly one hidden -> smallest of K 6, M 7 -> K hidden.
        hidden(F, "0780", 2022, None, ("kon", "K"), 6),
        hidden(F, "0780", 2022, None, ("kon", "Okänt"), 3),
        # M: 1-2 among resp 7(1), 8(1), 9(2), 13(2) = 4 of 7 -> 57.142857 %
        #   p(1-p)/n = (4/7)(3/7)/7 = 12/343; half = 0.366606 -> ci 20.482252 .. 93.803463
        shown(F, "0780", 2022, None, ("kon", "M"), 4 / 7 * 100, 7,
              ((4 / 7 - 1.96 * sqrt(12 / 343)) * 100, (4 / 7 + 1.96 * sqrt(12 / 343)) * 100)),
        # aldersgrupp: 18-24 = resp 1,2 (n 2), 25-34 = resp 3,7,8 (n 3): both hidden by (a);
        #   two hidden -> (b) does not apply.
        hidden(F, "0780", 2022, None, ("aldersgrupp", "18-24"), 2),
        hidden(F, "0780", 2022, None, ("aldersgrupp", "25-34"), 3),
        # 45-54 = resp 4,5,6,9-16 (n 11); 1-2: 4,5,9,13,14,16 = 6 -> 6/11 = 54.545455 %
        #   p(1-p)/n = (6/11)(5/11)/11 = 30/1331 = 0.022539; sqrt = 0.150131; half = 0.294258
        #   ci = 25.119696 .. 83.971213
        shown(F, "0780", 2022, None, ("aldersgrupp", "45-54"), 6 / 11 * 100, 11,
              ((6 / 11 - 1.96 * sqrt(30 / 1331)) * 100, (6 / 11 + 1.96 * sqrt(30 / 1331)) * 100)),
    ],
    "complete": True,
})

# =============================================================================================
# G. Aggregates: HME = mean of the nine question indices, n = min n; suppressed through a question.
# =============================================================================================
HME_QUESTIONS = [  # kolumn, matt, grupp
    ("f1", "MENINGSFULLT", "HME,HME_MOTIVATION"),
    ("f2", "LAR_NYTT", "HME,HME_MOTIVATION"),
    ("f3", "SER_FRAM", "HME,HME_MOTIVATION"),
    ("f4", "UPPSKATTNING", "HME"),
    ("f5", "TILLIT", "HME"),
    ("f6", "ANSVAR", "HME"),
    ("f7", "MAL_KAND", "HME"),
    ("f8", "MAL_UPPFOLJ", "HME"),
    ("f9", "FORVANT", "HME"),
]
_G_ROWS = [  # svarsid, enhet, F1..F9 (blank = None)
    # VOF: F1 = 5,5,5,4,4,4 (sum 27); F2..F9 = 5,4,4,4,3,4 (sum 24), n 6 everywhere
    (1, "VOF", [5, 5, 5, 5, 5, 5, 5, 5, 5]),
    (2, "VOF", [5, 4, 4, 4, 4, 4, 4, 4, 4]),
    (3, "VOF", [5, 4, 4, 4, 4, 4, 4, 4, 4]),
    (4, "VOF", [4, 4, 4, 4, 4, 4, 4, 4, 4]),
    (5, "VOF", [4, 3, 3, 3, 3, 3, 3, 3, 3]),
    (6, "VOF", [4, 4, 4, 4, 4, 4, 4, 4, 4]),
    # BIF: F1..F8 = 3,3,4,2,3 (sum 15, n 5); F9 = 3,3,4,2,blank (sum 12, n 4)
    (7, "BIF", [3, 3, 3, 3, 3, 3, 3, 3, 3]),
    (8, "BIF", [3, 3, 3, 3, 3, 3, 3, 3, 3]),
    (9, "BIF", [4, 4, 4, 4, 4, 4, 4, 4, 4]),
    (10, "BIF", [2, 2, 2, 2, 2, 2, 2, 2, 2]),
    (11, "BIF", [3, 3, 3, 3, 3, 3, 3, 3, None]),
    # SEF: F2 = 5 for all seven (sum 35, n 7); F1, F3, F5..F9 = 5,5,5,4,4,4,1 (sum 28, n 7);
    #      F4 = 5,5,5,4,4,blank,blank (sum 23, n 5)
    (12, "SEF", [5, 5, 5, 5, 5, 5, 5, 5, 5]),
    (13, "SEF", [5, 5, 5, 5, 5, 5, 5, 5, 5]),
    (14, "SEF", [5, 5, 5, 5, 5, 5, 5, 5, 5]),
    (15, "SEF", [4, 5, 4, 4, 4, 4, 4, 4, 4]),
    (16, "SEF", [4, 5, 4, 4, 4, 4, 4, 4, 4]),
    (17, "SEF", [4, 5, 4, None, 4, 4, 4, 4, 4]),
    (18, "SEF", [1, 5, 1, None, 1, 1, 1, 1, 1]),
]


def _g_question_cells():
    """Question cells of case G (hand-worked in the comments)."""
    q = "medarbetarenkat."
    rows = []
    # whole municipality (n 18; F4 n 16; F9 n 17) -- kon is K for all 18: the K group is identical
    #   F1: 27 + 15 + 28 = 70 -> (70/18 - 1) * 25 = 52/18 * 25 = 1300/18 = 72.222222
    #   F2: 24 + 15 + 35 = 74 -> (74/18 - 1) * 25 = 1400/18 = 77.777778
    #   F3, F5..F8: 24 + 15 + 28 = 67 -> (67/18 - 1) * 25 = 1225/18 = 68.055556
    #   F4: 24 + 15 + 23 = 62 over n 16 -> (62/16 - 1) * 25 = 46/16 * 25 = 71.875
    #   F9: 24 + 12 + 28 = 64 over n 17 -> (64/17 - 1) * 25 = 1175/17 = 69.117647
    whole = {"MENINGSFULLT": ((70 / 18 - 1) * 25, 18), "LAR_NYTT": ((74 / 18 - 1) * 25, 18)}
    for matt in ("SER_FRAM", "TILLIT", "ANSVAR", "MAL_KAND", "MAL_UPPFOLJ"):
        whole[matt] = ((67 / 18 - 1) * 25, 18)
    whole["UPPSKATTNING"] = ((62 / 16 - 1) * 25, 16)
    whole["FORVANT"] = ((64 / 17 - 1) * 25, 17)
    for matt, (value, n) in whole.items():
        rows.append(shown(q + matt, "0483", 2023, None, TOTAL, value, n))
        rows.append(shown(q + matt, "0483", 2023, None, ("kon", "K"), value, n))
    # units, F1..F8: VOF F1 = (27/6 - 1) * 25 = 87.5, F2..F8 = (24/6 - 1) * 25 = 75 (n 6);
    #   BIF = (15/5 - 1) * 25 = 50 (n 5); SEF F2 = (35/7 - 1) * 25 = 100 (n 7),
    #   F4 = (23/5 - 1) * 25 = 90 (n 5), the others (28/7 - 1) * 25 = 75 (n 7).
    #   Splits {VOF 6, BIF 5, SEF 7 or 5}: nobody below 5 -> all shown.
    for matt in whole:
        if matt == "FORVANT":
            continue
        rows.append(shown(q + matt, "0483", 2023, "VOF", TOTAL,
                          (27 / 6 - 1) * 25 if matt == "MENINGSFULLT" else (24 / 6 - 1) * 25, 6))
        rows.append(shown(q + matt, "0483", 2023, "BIF", TOTAL, (15 / 5 - 1) * 25, 5))
        if matt == "LAR_NYTT":
            rows.append(shown(q + matt, "0483", 2023, "SEF", TOTAL, (35 / 7 - 1) * 25, 7))
        elif matt == "UPPSKATTNING":
            rows.append(shown(q + matt, "0483", 2023, "SEF", TOTAL, (23 / 5 - 1) * 25, 5))
        else:
            rows.append(shown(q + matt, "0483", 2023, "SEF", TOTAL, (28 / 7 - 1) * 25, 7))
    # F9 (FORVANT): BIF n 4 -> hidden (a); split {VOF 6, BIF 4, SEF 7} has exactly one hidden
    #   -> the smallest other, VOF (6), hidden by (b). SEF = (28/7 - 1) * 25 = 75, n 7.
    rows.append(hidden(q + "FORVANT", "0483", 2023, "VOF", TOTAL, 6))
    rows.append(hidden(q + "FORVANT", "0483", 2023, "BIF", TOTAL, 4))
    rows.append(shown(q + "FORVANT", "0483", 2023, "SEF", TOTAL, (28 / 7 - 1) * 25, 7))
    return rows


H = "medarbetarenkat.HME"
HM = "medarbetarenkat.HME_MOTIVATION"
# HME whole = mean of the nine question indices:
#   (F1 1300/18 + F2 1400/18 + F3 1225/18 + F4 71.875 + F5..F8 4 * 1225/18 + F9 1175/17) / 9
#   = ((1300 + 1400 + 5 * 1225)/18 + 71.875 + 1175/17) / 9 = (8825/18 + 71.875 + 1175/17) / 9
#   = (490.277778 + 71.875 + 69.117647) / 9 = 631.270425 / 9 = 70.141158
#   n = min(18, 18, 18, 16, 18, 18, 18, 18, 17) = 16.   (Pooling all 159 answers instead would
#   give (605/159 - 1) * 25 = 70.1258: a different number.)
_HME_WHOLE = ((1300 + 1400 + 5 * 1225) / 18 + (62 / 16 - 1) * 25 + 1175 / 17) / 9
# HME_MOTIVATION whole = (1300/18 + 1400/18 + 1225/18) / 3 = 3925/54 = 72.685185, n 18
_HMM_WHOLE = (1300 / 18 + 1400 / 18 + 1225 / 18) / 3
CASES.append({
    "name": "aggregate_hme",
    "about": "HME = plain mean of nine question indices (not a pooled mean), n = min n; HME at "
             "VOF hidden because its FORVANT cell is hidden by (b) although its n is 6 (had it "
             "not been, (b) would hide SEF, n 5, instead); sub-index HME_MOTIVATION from a "
             "comma-separated grupp; catalogue kolumn f1 vs answer header F1.",
    "files": {
        "organisation/2023/0483.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Katrineholms kommun;;kommun",
            "VOF;Vård- och omsorgsförvaltningen;KOMMUN;forvaltning",
            "BIF;Bildningsförvaltningen;KOMMUN;forvaltning",
            "SEF;Service- och tekniska förvaltningen;KOMMUN;forvaltning"),
        "medarbetarenkat/2023/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            *(f"{k};{m};Påstående {m.lower()};1-5;{g}" for k, m, g in HME_QUESTIONS)),
        "medarbetarenkat/2023/0483.csv": csv(
            "svarsid;enhet;kon;F1;F2;F3;F4;F5;F6;F7;F8;F9",
            *(f"{i};{e};K;" + ";".join("" if a is None else str(a) for a in ans)
              for i, e, ans in _G_ROWS)),
    },
    "expected": _g_question_cells() + [
        shown(H, "0483", 2023, None, TOTAL, _HME_WHOLE, 16, None),
        shown(H, "0483", 2023, None, ("kon", "K"), _HME_WHOLE, 16, None),
        # VOF: n = min = 6, but its FORVANT cell is hidden -> HME hidden by (a)
        hidden(H, "0483", 2023, "VOF", TOTAL, 6),
        # BIF: n = min(5, ..., 5, 4) = 4 < 5 -> hidden by (a)
        hidden(H, "0483", 2023, "BIF", TOTAL, 4),
        # SEF: (F1 75 + F2 100 + F3 75 + F4 90 + F5..F9 5 * 75) / 9 = (100 + 90 + 7 * 75) / 9
        #   = 715/9 = 79.444444, n = min(7, 7, 7, 5, 7, ...) = 5. Split {VOF, BIF, SEF}: two hidden
        #   after (a) -> (b) does not apply, SEF shown.
        shown(H, "0483", 2023, "SEF", TOTAL, (100 + 90 + 7 * 75) / 9, 5, None),
        shown(HM, "0483", 2023, None, TOTAL, _HMM_WHOLE, 18, None),
        shown(HM, "0483", 2023, None, ("kon", "K"), _HMM_WHOLE, 18, None),
        # VOF: (87.5 + 75 + 75) / 3 = 237.5/3 = 79.166667, n 6
        shown(HM, "0483", 2023, "VOF", TOTAL, (87.5 + 75 + 75) / 3, 6, None),
        # BIF: (50 + 50 + 50) / 3 = 50, n 5 (F1..F3 all shown)
        shown(HM, "0483", 2023, "BIF", TOTAL, 50.0, 5, None),
        # SEF: (75 + 100 + 75) / 3 = 83.333333, n 7
        shown(HM, "0483", 2023, "SEF", TOTAL, (75 + 100 + 75) / 3, 7, None),
    ],
    "complete": True,
})

# =============================================================================================
# H. A question renamed between two years: other kolumn, same matt -> one measure_id.
# =============================================================================================
S = "intern_enkat.STOD_1"
INTERN_ORG = csv(
    "enhet;namn;overordnad;typ",
    "KOMMUN;Växjö kommun;;kommun",
    "KS;Kommunstyrelsen;KOMMUN;styrelse",
    "KLF;Kommunledningsförvaltningen;KS;forvaltning")
INTERN_2024_FRAGOR = csv(
    "kolumn;matt;text;skala;grupp",
    "f1_kompetens;STOD_1;Kommunledningsförvaltningen ger ett kompetent och professionellt stöd "
    "till verksamheterna;1-4;")
INTERN_2024_ROWS = [  # svarsid, enkat, respondentgrupp, enhet, f1_kompetens, kommentar
    [1, "uppdragsgivare", "Kommunstyrelsen", "KLF", 4, None],
    [2, "uppdragsgivare", "Kommunstyrelsen", "KLF", 4, None],
    [3, "uppdragsgivare", "Kommunstyrelsen", "KLF", 3, "Snabba svar från ekonomi"],
    [4, "mottagare", "Socialförvaltningen", "KLF", 3, None],
    [5, "mottagare", "Socialförvaltningen", "KLF", 3, None],
    [6, "mottagare", "Socialförvaltningen", "KLF", 2, None],
    [7, "mottagare", "Socialförvaltningen", "KLF", None, None],
]
INTERN_2024_EXPECTED = [
    # 2024: valid 4,4,3,3,3,2 (resp 7 blank) -> sum 19, n 6; 1-4 scale:
    #   (19/6 - 1) * 100/3 = 13/6 * 100/3 = 1300/18 = 72.222222
    #   KS and KLF subtrees hold all answers (every respondent assessed KLF) -> same value.
    shown(S, "0780", 2024, None, TOTAL, (19 / 6 - 1) * 100 / 3, 6),
    shown(S, "0780", 2024, "KS", TOTAL, (19 / 6 - 1) * 100 / 3, 6),
    shown(S, "0780", 2024, "KLF", TOTAL, (19 / 6 - 1) * 100 / 3, 6),
    # enkat: uppdragsgivare resp 1-3 n 3, mottagare resp 4-6 n 3 -> both hidden (a), no (b)
    hidden(S, "0780", 2024, None, ("enkat", "mottagare"), 3),
    hidden(S, "0780", 2024, None, ("enkat", "uppdragsgivare"), 3),
    # respondentgrupp: Kommunstyrelsen n 3, Socialförvaltningen n 3 -> both hidden (a)
    hidden(S, "0780", 2024, None, ("respondentgrupp", "Kommunstyrelsen"), 3),
    hidden(S, "0780", 2024, None, ("respondentgrupp", "Socialförvaltningen"), 3),
]


def _semicolon_rows(header: str, rows) -> str:
    return csv(header, *(";".join("" if v is None else str(v) for v in r) for r in rows))


CASES.append({
    "name": "question_renamed_between_years",
    "about": "intern_enkat 1-4 scale (5 = vet ej): STOD_1 is column kompetent_stod in 2023 and "
             "f1_kompetens in 2024 -> one measure intern_enkat.STOD_1 in both years; "
             "enkat and respondentgrupp groups; a group whose only answer is vet ej has no row.",
    "files": {
        "organisation/2023/0780.csv": INTERN_ORG,
        "organisation/2024/0780.csv": INTERN_ORG,
        "intern_enkat/2023/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "kompetent_stod;STOD_1;Kommunledningsförvaltningen ger ett kompetent stöd;1-4;"),
        "intern_enkat/2023/0780.csv": csv(
            "svarsid;enkat;respondentgrupp;enhet;kompetent_stod;kommentar",
            "1;uppdragsgivare;Kommunstyrelsen;KLF;4;",
            "2;uppdragsgivare;Kommunstyrelsen;KLF;3;",
            "3;uppdragsgivare;Kommunstyrelsen;KLF;3;",
            "4;mottagare;Socialförvaltningen;KLF;2;Svårt att nå IT-supporten",
            "5;mottagare;Socialförvaltningen;KLF;4;",
            "6;mottagare;Barn- och utbildningsförvaltningen;KLF;5;"),
        "intern_enkat/2024/fragor.csv": INTERN_2024_FRAGOR,
        "intern_enkat/2024/0780.csv": _semicolon_rows(
            "svarsid;enkat;respondentgrupp;enhet;f1_kompetens;kommentar", INTERN_2024_ROWS),
    },
    "expected": [
        # 2023: valid 4,3,3,2,4 (resp 6 = vet ej) -> sum 16, n 5, m 3.2;
        #   (3.2 - 1) * 100/3 = 73.333333
        #   deviations .8,-.2,-.2,-1.2,.8 -> squares .64+.04+.04+1.44+.64 = 2.8; s2 = 2.8/4 = .7;
        #   s2/n = .14; sqrt = .374166; half = .733365 -> * 100/3 = 24.445495
        #   ci = 48.887838 .. 97.778828
        shown(S, "0780", 2023, None, TOTAL, (3.2 - 1) * 100 / 3, 5,
              ((3.2 - 1.96 * sqrt(0.14) - 1) * 100 / 3, (3.2 + 1.96 * sqrt(0.14) - 1) * 100 / 3)),
        shown(S, "0780", 2023, "KS", TOTAL, (3.2 - 1) * 100 / 3, 5),
        shown(S, "0780", 2023, "KLF", TOTAL, (3.2 - 1) * 100 / 3, 5),
        # enkat: uppdragsgivare 4,3,3 n 3; mottagare 2,4 n 2 (6 = vet ej) -> both hidden, no (b)
        hidden(S, "0780", 2023, None, ("enkat", "mottagare"), 2),
        hidden(S, "0780", 2023, None, ("enkat", "uppdragsgivare"), 3),
        # respondentgrupp: Kommunstyrelsen n 3, Socialförvaltningen n 2 -> hidden;
        #   Barn- och utbildningsförvaltningen: only vet ej -> no row
        hidden(S, "0780", 2023, None, ("respondentgrupp", "Kommunstyrelsen"), 3),
        hidden(S, "0780", 2023, None, ("respondentgrupp", "Socialförvaltningen"), 2),
    ] + INTERN_2024_EXPECTED,
    "complete": True,
})

# =============================================================================================
# I. Both designs of Medborgarundersökningen in two years (1-10 + NRI in 2020, verbal4 in 2021).
# =============================================================================================
BO = "medborgarundersokning.BO_REK"
TR = "medborgarundersokning.BO_TRYGG"
NRI = "medborgarundersokning.NRI"
BP = "medborgarundersokning.BRA_PLATS"
CASES.append({
    "name": "citizen_both_designs_two_years",
    "about": "2020: two 1-10 questions with weights feeding NRI (index); 2021: a verbal4 share "
             "with weights (procent, interval clipped at 100) under the same column name q1; "
             "NRI only in 2020; aggregates also in background groups (all hidden).",
    "files": {
        "medborgarundersokning/2020/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "q1;BO_REK;Hur troligt är det att du skulle rekommendera en vän att flytta hit?;1-10;NRI",
            "q2;BO_TRYGG;Hur trygg känner du dig när du vistas utomhus på kvällar och nätter?;1-10;NRI"),
        "medborgarundersokning/2020/0483.csv": csv(
            "lopnr;kon;aldersgrupp;vikt;q1;q2",
            "1;K;25-34;1;8;7",
            "2;K;35-44;2;6;11",
            "3;M;45-54;1;10;9",
            "4;M;55-64;1;7;8",
            "5;M;65-74;0,5;9;10",
            "6;K;25-34;1;;6"),
        "medborgarundersokning/2021/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "q1;BRA_PLATS;Hur ser du på din kommun som en plats att bo och leva på?;verbal4;"),
        "medborgarundersokning/2021/0483.csv": csv(
            "lopnr;kon;aldersgrupp;vikt;q1",
            "1;K;25-34;1;1",
            "2;K;35-44;2;3",
            "3;M;45-54;1;2",
            "4;M;55-64;1,5;5",
            "5;M;65-74;0,5;4",
            "6;K;25-34;1;2"),
    },
    "expected": [
        # 2020 BO_REK (q1): valid resp 1-5 (6 blank): w 1,2,1,1,0.5 (sum 5.5);
        #   sum w x = 8 + 12 + 10 + 7 + 4.5 = 41.5; m = 41.5/5.5 = 83/11 = 7.545455
        #   index = (83/11 - 1) * 100/9 = 72/11 * 100/9 = 800/11 = 72.727273, n 5
        #   deviations 5/11, -17/11, 27/11, -6/11, 16/11; sum w d^2 =
        #   (25 + 2*289 + 729 + 36 + 0.5*256)/121 = 1496/121 = 136/11
        #   n_eff = 5.5^2 / (1 + 4 + 1 + 1 + 0.25) = 30.25/7.25 = 4.172414
        #   s2 = 136/11 / 5.5 * 30.25/23 = 68/23 = 2.956522; s2/n_eff = 68/23 * 7.25/30.25 = 0.708588
        #   sqrt = 0.841777; half = 1.649882 -> * 100/9 = 18.332024
        #   ci = 72.727273 -/+ 18.332024 = 54.395249 .. 91.059297
        shown(BO, "0483", 2020, None, TOTAL, (83 / 11 - 1) * 100 / 9, 5,
              ((83 / 11 - 1.96 * sqrt(68 / 23 * 7.25 / 30.25) - 1) * 100 / 9,
               (83 / 11 + 1.96 * sqrt(68 / 23 * 7.25 / 30.25) - 1) * 100 / 9)),
        # 2020 BO_TRYGG (q2): valid resp 1,3,4,5,6 (2 = vet ej): w 1,1,1,0.5,1 (sum 4.5);
        #   sum w x = 7 + 9 + 8 + 5 + 6 = 35; m = 35/4.5 = 70/9
        #   index = (70/9 - 1) * 100/9 = 61/9 * 100/9 = 6100/81 = 75.308642, n 5
        shown(TR, "0483", 2020, None, TOTAL, (70 / 9 - 1) * 100 / 9, 5),
        # NRI = (800/11 + 6100/81) / 2 = (72.727273 + 75.308642) / 2 = 74.017957; n = min(5,5) = 5
        shown(NRI, "0483", 2020, None, TOTAL, ((83 / 11 - 1) * 100 / 9 + (70 / 9 - 1) * 100 / 9) / 2,
              5, None),
        # 2020 groups, all below 5 -> hidden by (a), more than one per split -> no (b):
        #   q1: K = resp 1,2 (n 2), M = 3,4,5 (n 3); 25-34 = 1 (6 blank), 35-44 = 2, 45-54 = 3,
        #       55-64 = 4, 65-74 = 5 (n 1 each)
        hidden(BO, "0483", 2020, None, ("kon", "K"), 2),
        hidden(BO, "0483", 2020, None, ("kon", "M"), 3),
        hidden(BO, "0483", 2020, None, ("aldersgrupp", "25-34"), 1),
        hidden(BO, "0483", 2020, None, ("aldersgrupp", "35-44"), 1),
        hidden(BO, "0483", 2020, None, ("aldersgrupp", "45-54"), 1),
        hidden(BO, "0483", 2020, None, ("aldersgrupp", "55-64"), 1),
        hidden(BO, "0483", 2020, None, ("aldersgrupp", "65-74"), 1),
        #   q2: K = resp 1,6 (n 2; 2 = vet ej), M = 3,4,5 (n 3); 25-34 = 1,6 (n 2);
        #       35-44: only resp 2, vet ej -> no cell; 45-54, 55-64, 65-74 n 1 each
        hidden(TR, "0483", 2020, None, ("kon", "K"), 2),
        hidden(TR, "0483", 2020, None, ("kon", "M"), 3),
        hidden(TR, "0483", 2020, None, ("aldersgrupp", "25-34"), 2),
        hidden(TR, "0483", 2020, None, ("aldersgrupp", "45-54"), 1),
        hidden(TR, "0483", 2020, None, ("aldersgrupp", "55-64"), 1),
        hidden(TR, "0483", 2020, None, ("aldersgrupp", "65-74"), 1),
        #   NRI where both questions have a cell: K n min(2,2) = 2, M n 3; 25-34 n min(1,2) = 1,
        #       45-54, 55-64, 65-74 n 1; 35-44 has no q2 cell -> no NRI cell
        hidden(NRI, "0483", 2020, None, ("kon", "K"), 2),
        hidden(NRI, "0483", 2020, None, ("kon", "M"), 3),
        hidden(NRI, "0483", 2020, None, ("aldersgrupp", "25-34"), 1),
        hidden(NRI, "0483", 2020, None, ("aldersgrupp", "45-54"), 1),
        hidden(NRI, "0483", 2020, None, ("aldersgrupp", "55-64"), 1),
        hidden(NRI, "0483", 2020, None, ("aldersgrupp", "65-74"), 1),
        # 2021 BRA_PLATS: valid resp 1,2,3,5,6 (4 = vet inte): w 1,2,1,0.5,1 (sum 5.5), n 5;
        #   answers 1-2: resp 1 (w 1), 3 (w 1), 6 (w 1) -> 3; share = 3/5.5 = 6/11 = 54.545455 %
        #   n_eff = 5.5^2 / (1 + 4 + 1 + 0.25 + 1) = 30.25/7.25 = 4.172414
        #   p(1-p)/n_eff = (6/11)(5/11) * 7.25/30.25 = 0.247934 * 0.239669 = 0.059422
        #   sqrt = 0.243766; half = 0.477783
        #   ci = (0.545455 - 0.477783) * 100 = 6.767195 .. (0.545455 + 0.477783) * 100 = 102.32 -> 100
        shown(BP, "0483", 2021, None, TOTAL, 3 / 5.5 * 100, 5,
              ((6 / 11 - 1.96 * sqrt(30 / 121 * 7.25 / 30.25)) * 100, 100.0)),
        # 2021 groups: K = resp 1,2,6 (n 3), M = resp 3,5 (n 2; 4 vet inte); 25-34 = 1,6 (n 2),
        #   35-44 = 2, 45-54 = 3, 65-74 = 5 (n 1), 55-64 only vet inte -> no cell. All hidden (a).
        hidden(BP, "0483", 2021, None, ("kon", "K"), 3),
        hidden(BP, "0483", 2021, None, ("kon", "M"), 2),
        hidden(BP, "0483", 2021, None, ("aldersgrupp", "25-34"), 2),
        hidden(BP, "0483", 2021, None, ("aldersgrupp", "35-44"), 1),
        hidden(BP, "0483", 2021, None, ("aldersgrupp", "45-54"), 1),
        hidden(BP, "0483", 2021, None, ("aldersgrupp", "65-74"), 1),
    ],
    "complete": True,
})

# =============================================================================================
# J. minsta_antal_svar: 3 in one municipality's goal model changes suppression.
# =============================================================================================
FV = "medarbetarenkat.FORVANT"


def _j_org(name: str) -> str:
    return csv("enhet;namn;overordnad;typ",
               f"KOMMUN;{name};;kommun",
               "X;Förvaltning X;KOMMUN;forvaltning",
               "Y;Förvaltning Y;KOMMUN;forvaltning")


def _j_goal_model(peer: str, limit_line: str) -> str:
    return (
        "malkompass: [Service, Ledare och Medarbetare]\n"
        f"jamforelsekommuner: [\"{peer}\"]\n"
        f"{limit_line}"
        "mal:\n"
        "  - id: KF1\n"
        "    namn: Medarbetarna vet vad som förväntas av dem\n"
        "    niva: kommunfullmaktige\n"
        "    omrade: Ledare och Medarbetare\n"
        "    indikatorer:\n"
        "      - {id: KF1-1, matt: medarbetarenkat.FORVANT, malvarde: 70, riktning: hogre}\n")


_J_ANSWERS = csv(
    "svarsid;enhet;kon;f9",
    "1;X;K;4", "2;X;K;4", "3;X;M;3", "4;X;M;5",
    "5;Y;K;2", "6;Y;K;3", "7;Y;K;3", "8;Y;M;4", "9;Y;M;4", "10;Y;M;2")
_J_FRAGOR = csv("kolumn;matt;text;skala;grupp",
                "f9;FORVANT;Jag vet vad som förväntas av mig i mitt arbete;1-5;HME")
CASES.append({
    "name": "minsta_antal_svar_from_goal_model",
    "about": "same answers in 0483 (goal model minsta_antal_svar: 3) and 0884 (goal model "
             "without the key -> 5): X with 4 answers shown in 0483, hidden (and Y by (b)) in 0884. "
             "A one-question grupp HME gives an aggregate equal to the question.",
    "files": {
        "styrmodell/2024/0483.yml": _j_goal_model("0884", "minsta_antal_svar: 3\n"),
        "styrmodell/2024/0884.yml": _j_goal_model("0483", ""),
        "organisation/2024/0483.csv": _j_org("Katrineholms kommun"),
        "organisation/2024/0884.csv": _j_org("Vimmerby kommun"),
        "medarbetarenkat/2024/fragor.csv": _J_FRAGOR,
        "medarbetarenkat/2024/0483.csv": _J_ANSWERS,
        "medarbetarenkat/2024/0884.csv": _J_ANSWERS,
    },
    "expected": [
        # both: whole 4+4+3+5+2+3+3+4+4+2 = 34, n 10 -> (3.4 - 1) * 25 = 60
        #   X: 4+4+3+5 = 16, n 4 -> (4 - 1) * 25 = 75;  Y: 2+3+3+4+4+2 = 18, n 6 -> (3-1)*25 = 50
        #   kon K: resp 1,2,5,6,7: 4+4+2+3+3 = 16, n 5 -> (3.2 - 1) * 25 = 55
        #   kon M: resp 3,4,8,9,10: 3+5+4+4+2 = 18, n 5 -> (3.6 - 1) * 25 = 65
        # 0483, limit 3: nothing below 3 -> everything shown
        shown(FV, "0483", 2024, None, TOTAL, (34 / 10 - 1) * 25, 10),
        shown(FV, "0483", 2024, "X", TOTAL, (16 / 4 - 1) * 25, 4),
        shown(FV, "0483", 2024, "Y", TOTAL, (18 / 6 - 1) * 25, 6),
        shown(FV, "0483", 2024, None, ("kon", "K"), (16 / 5 - 1) * 25, 5),
        shown(FV, "0483", 2024, None, ("kon", "M"), (18 / 5 - 1) * 25, 5),
        # 0884, limit 5: X 4 < 5 hidden (a); Y the only sibling -> hidden (b); kon 5 and 5 shown
        shown(FV, "0884", 2024, None, TOTAL, (34 / 10 - 1) * 25, 10),
        hidden(FV, "0884", 2024, "X", TOTAL, 4),
        hidden(FV, "0884", 2024, "Y", TOTAL, 6),
        shown(FV, "0884", 2024, None, ("kon", "K"), (16 / 5 - 1) * 25, 5),
        shown(FV, "0884", 2024, None, ("kon", "M"), (18 / 5 - 1) * 25, 5),
        # HME (only question FORVANT) = the same values and n, no interval; in 0884 X is hidden
        #   because its question is (and n 4 < 5), Y because its question FORVANT is hidden.
        shown("medarbetarenkat.HME", "0483", 2024, None, TOTAL, 60.0, 10, None),
        shown("medarbetarenkat.HME", "0483", 2024, "X", TOTAL, 75.0, 4, None),
        shown("medarbetarenkat.HME", "0483", 2024, "Y", TOTAL, 50.0, 6, None),
        shown("medarbetarenkat.HME", "0483", 2024, None, ("kon", "K"), 55.0, 5, None),
        shown("medarbetarenkat.HME", "0483", 2024, None, ("kon", "M"), 65.0, 5, None),
        shown("medarbetarenkat.HME", "0884", 2024, None, TOTAL, 60.0, 10, None),
        hidden("medarbetarenkat.HME", "0884", 2024, "X", TOTAL, 4),
        hidden("medarbetarenkat.HME", "0884", 2024, "Y", TOTAL, 6),
        shown("medarbetarenkat.HME", "0884", 2024, None, ("kon", "K"), 55.0, 5, None),
        shown("medarbetarenkat.HME", "0884", 2024, None, ("kon", "M"), 65.0, 5, None),
    ],
    "complete": True,
})

# =============================================================================================
# K. Kolada: T/K/M, the whole country 0000, a region, a null value, two files, kpi.json.
# =============================================================================================
KOLADA_U00200 = """{"count": 4, "next_page": null, "values": [
  {"kpi": "U00200", "municipality": "0483", "period": 2022,
   "values": [{"gender": "T", "count": 1, "status": "", "value": 80.61},
              {"gender": "K", "count": 1, "status": "", "value": 81.0},
              {"gender": "M", "count": 1, "status": "", "value": 78.25}]},
  {"kpi": "U00200", "municipality": "0000", "period": 2022,
   "values": [{"gender": "T", "count": 1, "status": "", "value": 79.5},
              {"gender": "K", "count": 1, "status": "", "value": 80.1},
              {"gender": "M", "count": 1, "status": "", "value": 77.9}]},
  {"kpi": "U00200", "municipality": "0004", "period": 2022,
   "values": [{"gender": "T", "count": 1, "status": "", "value": 78.2}]},
  {"kpi": "U00200", "municipality": "0483", "period": 2023,
   "values": [{"gender": "T", "count": 0, "status": "Missing", "value": null},
              {"gender": "K", "count": 1, "status": "", "value": 82.5},
              {"gender": "M", "count": 0, "status": "Missing", "value": null}]}
]}
"""
KOLADA_N00667 = """{"count": 1, "next_url": null, "values": [
  {"kpi": "N00667", "municipality": "0884", "period": 2021,
   "values": [{"gender": "T", "count": 1, "status": "", "value": 85},
              {"gender": "K", "count": 1, "status": "", "value": 86.3},
              {"gender": "M", "count": 1, "status": "", "value": 83.7}]}
]}
"""
KOLADA_KPI = """{"count": 2, "values": [
  {"id": "U00200", "title": "Hållbart medarbetarengagemang (HME) kommun, totalindex",
   "description": "HME totalindex"},
  {"id": "N00667", "title": "Medborgarundersökningen - Bra plats att bo och leva på, andel (%)",
   "description": "Andel som svarat mycket eller ganska bra"}
]}
"""


def _kolada(measure_id, kod, year, gender, value):
    # Kolada cells: values copied as delivered; n_answers and interval null, never suppressed
    group = TOTAL if gender == "T" else ("kon", gender)
    row = shown(measure_id, kod, year, None, group, value, None, None)
    return row


CASES.append({
    "name": "kolada_genders_country_region_null",
    "about": "kolada.<KPI>: T -> total, K/M -> kon groups; 0000 and the region 0004 kept; a null "
             "value keeps its row with value null; v2 next_page and v3 next_url ignored; "
             "kpi.json is not data; Kolada years need no year folder.",
    "files": {
        "kolada/u00200.json": KOLADA_U00200,
        "kolada/n00667_2021.json": KOLADA_N00667,
        "kolada/kpi.json": KOLADA_KPI,
    },
    "expected": [
        _kolada("kolada.U00200", "0483", 2022, "T", 80.61),
        _kolada("kolada.U00200", "0483", 2022, "K", 81.0),
        _kolada("kolada.U00200", "0483", 2022, "M", 78.25),
        _kolada("kolada.U00200", "0000", 2022, "T", 79.5),
        _kolada("kolada.U00200", "0000", 2022, "K", 80.1),
        _kolada("kolada.U00200", "0000", 2022, "M", 77.9),
        _kolada("kolada.U00200", "0004", 2022, "T", 78.2),
        _kolada("kolada.U00200", "0483", 2023, "T", None),
        _kolada("kolada.U00200", "0483", 2023, "K", 82.5),
        _kolada("kolada.U00200", "0483", 2023, "M", None),
        _kolada("kolada.N00667", "0884", 2021, "T", 85.0),
        _kolada("kolada.N00667", "0884", 2021, "K", 86.3),
        _kolada("kolada.N00667", "0884", 2021, "M", 83.7),
    ],
    "complete": True,
})

# =============================================================================================
# L. File mechanics: the data of B and of H (2024) delivered the other ways the contract allows.
# =============================================================================================
def _mu_weights_bom_comma() -> bytes:
    """Case B's answers: UTF-8 with BOM, `,` delimiter, quoted decimal commas, CRLF line ends,
    padded odd-case headers."""
    def text(v):
        if v is None:
            return ""
        if isinstance(v, float):
            return '"' + str(v).replace(".", ",") + '"'
        return str(v)
    lines = [" LopNr ,KON,  Aldersgrupp , Vikt ,Q7 "]
    lines += [",".join(text(v) for v in r) for r in MU_WEIGHTS_ROWS]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def _mu_2020_fragor_cp1252_comma() -> bytes:
    """Case B's catalogue in Windows-1252 (its text has ä, so UTF-8 reading fails) with `,`."""
    lines = ["Kolumn , MATT,Text,Skala ,Grupp",
             "q7,REK_BO,Hur troligt är det att du skulle rekommendera en vän att flytta hit?,1-10,"]
    return ("\n".join(lines) + "\n").encode("cp1252")


CASES.append({
    "name": "mechanics_cp1252_comma_bom",
    "about": "case B's data: catalogue in Windows-1252 with `,`; answers in UTF-8 with BOM, `,` "
             "delimiter, quoted decimal commas, CRLF, padded odd-case headers -> B's numbers.",
    "files": {
        "medborgarundersokning/2020/fragor.csv": _mu_2020_fragor_cp1252_comma(),
        "medborgarundersokning/2020/0884.csv": _mu_weights_bom_comma(),
    },
    "expected": MU_WEIGHTS_EXPECTED,
    "complete": True,
})

CASES.append({
    "name": "mechanics_xlsx_and_cp1252_org",
    "about": "case H 2024: answers as .xlsx (numbers as numbers, empty cells, a second sheet), "
             "organisation file in Windows-1252 with `,` -> H's 2024 numbers, group value "
             "Socialförvaltningen read intact.",
    "files": {
        "organisation/2024/0780.csv": INTERN_ORG.replace(";", ",").encode("cp1252"),
        "intern_enkat/2024/fragor.csv": INTERN_2024_FRAGOR,
        "intern_enkat/2024/0780.xlsx": xlsx(
            [["svarsid", "enkat", "respondentgrupp", "enhet", "F1_Kompetens", "kommentar"]]
            + INTERN_2024_ROWS),
    },
    "expected": INTERN_2024_EXPECTED,
    "complete": True,
})

CASES.append({
    "name": "mechanics_cp1252_answers",
    "about": "case H 2024: answers in Windows-1252 with `,` (a comment holding `,` quoted), "
             "catalogue in UTF-8 with BOM -> H's 2024 numbers, Socialförvaltningen read intact.",
    "files": {
        "organisation/2024/0780.csv": INTERN_ORG,
        "intern_enkat/2024/fragor.csv": "\ufeff" + INTERN_2024_FRAGOR,
        "intern_enkat/2024/0780.csv": csv(
            "svarsid,enkat,respondentgrupp,enhet,f1_kompetens,kommentar",
            *(",".join("" if v is None else str(v) for v in r[:5])
              + (',"Snabbt, kunnigt och vänligt"' if r[0] == 3 else ",")
              for r in INTERN_2024_ROWS)).encode("cp1252"),
    },
    "expected": INTERN_2024_EXPECTED,
    "complete": True,
})

# =============================================================================================
# M. Own groups (contract section 3, amended 2026-11-30): the respondents attached to a unit that
#    has child units are in its cell but in no child's, so "unit minus its children" gives them
#    back. Each split of a unit's children has one more member, that unit's own group (n = the
#    unit's n minus the sum of its children's n; for an aggregate the smallest own-group n of its
#    questions; tie-break key = the unit's own code), never published: in (a) suppressed when
#    0 < n < limit, in (b) one of the others (when it is the complement picked, nothing more is
#    hidden), with n = 0 no member. No goal model in these cases: limit 5.
# =============================================================================================
def _unit_answers(*groups) -> str:
    """An answer file (svarsid;enhet;kon;f1[;f2...]) from (enhet, count, answers) groups: `count`
    respondents on `enhet`, all with kon K, each giving `answers` (a tuple, one per question)."""
    width = len(groups[0][2])
    lines, i = [], 0
    for enhet, count, answers in groups:
        for _ in range(count):
            i += 1
            lines.append(f"{i};{enhet};K;" + ";".join(str(a) for a in answers))
    return csv("svarsid;enhet;kon;" + ";".join(f"f{q + 1}" for q in range(width)), *lines)


OG1 = "medarbetarenkat.RESURSER"
_OG1_ORG = csv("enhet;namn;overordnad;typ",
               "KOMMUN;Kommunen;;kommun",
               "BIF;Bildningsförvaltningen;KOMMUN;forvaltning",
               "BIF-A;Skola A;BIF;enhet",
               "BIF-B;Skola B;BIF;enhet")
_OG1_FRAGOR = csv("kolumn;matt;text;skala;grupp",
                  "f1;RESURSER;Jag har de resurser som krävs för att utföra mitt arbete;1-5;")
# BIF-A: 25 respondents answering 4; BIF-B: 30 answering 3 and 10 answering 5
_OG1_CHILDREN = (("BIF-A", 25, (4,)), ("BIF-B", 30, (3,)), ("BIF-B", 10, (5,)))
CASES.append({
    "name": "own_group_below_limit",
    "about": "the contract's example: a förvaltning with 2 respondents of its own and enheter of "
             "25 and 40 (0483): its own group (2) is hidden by (a), so the enhet of 25 is hidden "
             "by (b); with 6 of its own (0884) nothing is hidden.",
    "files": {
        "organisation/2024/0483.csv": _OG1_ORG,
        "organisation/2024/0884.csv": _OG1_ORG,
        "medarbetarenkat/2024/fragor.csv": _OG1_FRAGOR,
        "medarbetarenkat/2024/0483.csv": _unit_answers(("BIF", 1, (5,)), ("BIF", 1, (3,)), *_OG1_CHILDREN),
        "medarbetarenkat/2024/0884.csv": _unit_answers(("BIF", 3, (5,)), ("BIF", 3, (3,)), *_OG1_CHILDREN),
    },
    "expected": [
        # children, both municipalities: BIF-A 25 * 4 = 100 over 25 -> (4 - 1) * 25 = 75;
        #   BIF-B 30 * 3 + 10 * 5 = 140 over 40 -> (140/40 - 1) * 25 = 62.5
        # 0483: BIF's own 5 + 3 = 8 over 2; BIF = whole = 8 + 100 + 140 = 248 over 67
        #   -> (248/67 - 1) * 25 = 181/67 * 25 = 67.537313. Nobody on KOMMUN itself: the root's own
        #   group is 67 - 67 = 0 (no member) -> the root's split {BIF 67} hides nothing.
        #   split under BIF: own group 67 - (25 + 40) = 2, BIF-A 25, BIF-B 40.
        #   (a) own group 0 < 2 < 5 -> hidden; exactly one hidden -> (b) the smallest other,
        #   BIF-A (25), hidden too (else BIF - BIF-A - BIF-B would give the 2 back).
        shown(OG1, "0483", 2024, None, TOTAL, (248 / 67 - 1) * 25, 67),
        shown(OG1, "0483", 2024, None, ("kon", "K"), (248 / 67 - 1) * 25, 67),
        shown(OG1, "0483", 2024, "BIF", TOTAL, (248 / 67 - 1) * 25, 67),
        hidden(OG1, "0483", 2024, "BIF-A", TOTAL, 25),
        shown(OG1, "0483", 2024, "BIF-B", TOTAL, (140 / 40 - 1) * 25, 40),
        # 0884: BIF's own 3 * 5 + 3 * 3 = 24 over 6; whole = BIF = 24 + 100 + 140 = 264 over 71
        #   -> (264/71 - 1) * 25 = 193/71 * 25 = 67.957746.
        #   split under BIF: own group 71 - 65 = 6 >= 5, BIF-A 25, BIF-B 40: none hidden.
        shown(OG1, "0884", 2024, None, TOTAL, (264 / 71 - 1) * 25, 71),
        shown(OG1, "0884", 2024, None, ("kon", "K"), (264 / 71 - 1) * 25, 71),
        shown(OG1, "0884", 2024, "BIF", TOTAL, (264 / 71 - 1) * 25, 71),
        shown(OG1, "0884", 2024, "BIF-A", TOTAL, 75.0, 25),
        shown(OG1, "0884", 2024, "BIF-B", TOTAL, (140 / 40 - 1) * 25, 40),
    ],
    "complete": True,
})

OG2 = "medarbetarenkat.ATERKOPPLING"
CASES.append({
    "name": "own_group_as_complement",
    "about": "one child hidden by (a) and the unit's own group the smallest of the others -> the "
             "own group is the complement and nothing more is hidden (X2 stays shown); under YY "
             "the own group ties with a child on n and loses on text order ('YA' < 'YY').",
    "files": {
        "organisation/2023/2283.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Kommunen;;kommun",
            "X;Förvaltning X;KOMMUN;forvaltning",
            "X1;Enhet X1;X;enhet",
            "X2;Enhet X2;X;enhet",
            "X3;Enhet X3;X;enhet",
            "YY;Förvaltning YY;KOMMUN;forvaltning",
            "Y1;Enhet Y1;YY;enhet",
            "YA;Enhet YA;YY;enhet",
            "YB;Enhet YB;YY;enhet"),
        "medarbetarenkat/2023/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;ATERKOPPLING;Jag får återkoppling på mitt arbete;1-5;"),
        "medarbetarenkat/2023/2283.csv": _unit_answers(
            ("X", 6, (4,)), ("X1", 3, (2,)), ("X2", 8, (5,)), ("X3", 10, (3,)),
            ("YY", 7, (3,)), ("Y1", 2, (5,)), ("YA", 7, (4,)), ("YB", 9, (2,))),
    },
    "expected": [
        # X subtree: own 6 * 4 = 24, X1 3 * 2 = 6, X2 8 * 5 = 40, X3 10 * 3 = 30 -> 100 over 27
        # YY subtree: own 7 * 3 = 21, Y1 2 * 5 = 10, YA 7 * 4 = 28, YB 9 * 2 = 18 -> 77 over 25
        # whole = 177 over 52 -> (177/52 - 1) * 25 = 125/52 * 25 = 60.096154
        #   root's split {X 27, YY 25}, root's own group 52 - 52 = 0 (no member): none hidden.
        shown(OG2, "2283", 2023, None, TOTAL, (177 / 52 - 1) * 25, 52),
        shown(OG2, "2283", 2023, None, ("kon", "K"), (177 / 52 - 1) * 25, 52),
        shown(OG2, "2283", 2023, "X", TOTAL, (100 / 27 - 1) * 25, 27),
        shown(OG2, "2283", 2023, "YY", TOTAL, (77 / 25 - 1) * 25, 25),
        # split under X: own group 27 - (3 + 8 + 10) = 6, X1 3, X2 8, X3 10.
        #   (a) X1 3 < 5 hidden (own group 6 >= 5 is not). (b) exactly one hidden -> the smallest
        #   other is the own group (6 < 8): it is never published anyway, so nothing more is
        #   hidden; X2 and X3 shown (X - X2 - X3 gives X1 and the own group together: 9 >= 5).
        hidden(OG2, "2283", 2023, "X1", TOTAL, 3),
        shown(OG2, "2283", 2023, "X2", TOTAL, (5 - 1) * 25, 8),
        shown(OG2, "2283", 2023, "X3", TOTAL, (3 - 1) * 25, 10),
        # split under YY: own group 25 - (2 + 7 + 9) = 7, Y1 2, YA 7, YB 9.
        #   (a) Y1 hidden. (b) smallest others: own group 7 (key 'YY') and YA 7 (key 'YA') tie;
        #   'YA' < 'YY' in text order -> YA hidden. YB (2 - 1) * 25 = 25 shown.
        hidden(OG2, "2283", 2023, "Y1", TOTAL, 2),
        hidden(OG2, "2283", 2023, "YA", TOTAL, 7),
        shown(OG2, "2283", 2023, "YB", TOTAL, (2 - 1) * 25, 9),
    ],
    "complete": True,
})

OG3 = "medarbetarenkat.DELAKTIGHET"
_OG3_ORG = csv("enhet;namn;overordnad;typ",
               "KOMMUN;Kommunen;;kommun",
               "ADM;Kommunledningsförvaltningen;KOMMUN;forvaltning",
               "BOU;Barn- och utbildningsförvaltningen;KOMMUN;forvaltning",
               "SOC;Socialförvaltningen;KOMMUN;forvaltning",
               "TEK;Tekniska förvaltningen;KOMMUN;forvaltning")
_OG3_FRAGOR = csv("kolumn;matt;text;skala;grupp",
                  "f1;DELAKTIGHET;Jag är delaktig i hur arbetet på min arbetsplats utvecklas;1-5;")
_OG3_CHILDREN = (("BOU", 12, (4,)), ("SOC", 9, (3,)), ("TEK", 20, (2,)))
CASES.append({
    "name": "own_group_of_the_root",
    "about": "respondents attached to the municipality's root unit: in 0483 the root's own group "
             "(3) is hidden by (a) -> SOC, the smallest förvaltning, by (b); in 0884 ADM (3) is "
             "hidden and the root's own group (9, key 'KOMMUN') ties with SOC (9) and wins on "
             "text order -> nothing more hidden.",
    "files": {
        "organisation/2022/0483.csv": _OG3_ORG,
        "organisation/2022/0884.csv": _OG3_ORG,
        "medarbetarenkat/2022/fragor.csv": _OG3_FRAGOR,
        "medarbetarenkat/2022/0483.csv": _unit_answers(("KOMMUN", 3, (5,)), *_OG3_CHILDREN),
        "medarbetarenkat/2022/0884.csv": _unit_answers(("KOMMUN", 9, (5,)), ("ADM", 3, (1,)),
                                                       *_OG3_CHILDREN),
    },
    "expected": [
        # children: BOU 12 * 4 = 48 -> (4 - 1) * 25 = 75; SOC 9 * 3 = 27 -> 50; TEK 20 * 2 = 40 -> 25
        # 0483: root's own 3 * 5 = 15; whole = 15 + 48 + 27 + 40 = 130 over 44
        #   -> (130/44 - 1) * 25 = 86/44 * 25 = 48.863636 (the root's cell is the enhet-null cell)
        #   root's split: own group 44 - (12 + 9 + 20) = 3, BOU 12, SOC 9, TEK 20.
        #   (a) own group 0 < 3 < 5 hidden; (b) the smallest other, SOC (9), hidden too.
        shown(OG3, "0483", 2022, None, TOTAL, (130 / 44 - 1) * 25, 44),
        shown(OG3, "0483", 2022, None, ("kon", "K"), (130 / 44 - 1) * 25, 44),
        shown(OG3, "0483", 2022, "BOU", TOTAL, 75.0, 12),
        hidden(OG3, "0483", 2022, "SOC", TOTAL, 9),
        shown(OG3, "0483", 2022, "TEK", TOTAL, 25.0, 20),
        # 0884: root's own 9 * 5 = 45, ADM 3 * 1 = 3; whole = 45 + 3 + 48 + 27 + 40 = 163 over 53
        #   -> (163/53 - 1) * 25 = 110/53 * 25 = 51.886792
        #   root's split: own group 53 - (3 + 12 + 9 + 20) = 9, ADM 3, BOU 12, SOC 9, TEK 20.
        #   (a) ADM hidden. (b) smallest others: own group 9 (key 'KOMMUN') and SOC 9 tie;
        #   'KOMMUN' < 'SOC' -> the own group is the complement: nothing more hidden, SOC shown.
        shown(OG3, "0884", 2022, None, TOTAL, (163 / 53 - 1) * 25, 53),
        shown(OG3, "0884", 2022, None, ("kon", "K"), (163 / 53 - 1) * 25, 53),
        hidden(OG3, "0884", 2022, "ADM", TOTAL, 3),
        shown(OG3, "0884", 2022, "BOU", TOTAL, 75.0, 12),
        shown(OG3, "0884", 2022, "SOC", TOTAL, 50.0, 9),
        shown(OG3, "0884", 2022, "TEK", TOTAL, 25.0, 20),
    ],
    "complete": True,
})

OG4 = "medarbetarenkat.STRESS"
CASES.append({
    "name": "own_group_of_zero",
    "about": "own groups of 0 are no member: under P (nobody on P itself) P1 (3) hidden -> P2 by "
             "(b) as before the amendment; Q has 3 of its own and a child whose only answers are "
             "vet ej (no cell): its split holds only its own group, nothing to hide there, but "
             "Q's cell (3) is hidden in the root's split, where the root's own group is 0 (no "
             "member) -> P, the only other, hidden by (b).",
    "files": {
        "organisation/2021/0780.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Kommunen;;kommun",
            "P;Förvaltning P;KOMMUN;forvaltning",
            "P1;Enhet P1;P;enhet",
            "P2;Enhet P2;P;enhet",
            "P3;Enhet P3;P;enhet",
            "Q;Förvaltning Q;KOMMUN;forvaltning",
            "Q1;Enhet Q1;Q;enhet"),
        "medarbetarenkat/2021/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;STRESS;Jag kan oftast hantera stressen i mitt arbete;1-5;"),
        "medarbetarenkat/2021/0780.csv": _unit_answers(
            ("P1", 3, (4,)), ("P2", 6, (3,)), ("P3", 8, (5,)), ("Q", 3, (2,)), ("Q1", 4, (6,))),
    },
    "expected": [
        # P1 3 * 4 = 12, P2 6 * 3 = 18, P3 8 * 5 = 40 -> P = 70 over 17; Q = 3 * 2 = 6 over 3
        #   (Q1's four answers are 6 = vet ej: no Q1 cell). whole = 76 over 20 -> (3.8 - 1) * 25 = 70
        shown(OG4, "0780", 2021, None, TOTAL, (76 / 20 - 1) * 25, 20),
        shown(OG4, "0780", 2021, None, ("kon", "K"), (76 / 20 - 1) * 25, 20),
        # root's split: P 17, Q 3, own group 20 - 20 = 0 (no member). (a) Q hidden; (b) exactly
        #   one hidden -> the smallest other, P (the only other member), hidden.
        hidden(OG4, "0780", 2021, "P", TOTAL, 17),
        hidden(OG4, "0780", 2021, "Q", TOTAL, 3),
        # split under P: own group 17 - (3 + 6 + 8) = 0 (no member), P1 3, P2 6, P3 8.
        #   (a) P1 hidden; (b) P2 (6 < 8) hidden. P3 (5 - 1) * 25 = 100 shown.
        hidden(OG4, "0780", 2021, "P1", TOTAL, 3),
        hidden(OG4, "0780", 2021, "P2", TOTAL, 6),
        shown(OG4, "0780", 2021, "P3", TOTAL, 100.0, 8),
        # split under Q: no child has a cell; only Q's own group 3 - 0 = 3, hidden by (a) and
        #   alone: no other member to hide. Q1: no row.
    ],
    "complete": True,
})

OGQ1 = "medarbetarenkat.MAL_TYDLIGA"
OGQ2 = "medarbetarenkat.MAL_DELAKTIG"
OGA = "medarbetarenkat.HME_STYRNING"
CASES.append({
    "name": "own_group_of_an_aggregate",
    "about": "aggregate HME_STYRNING of two questions: P's own group is 2 in f1 and 6 in f2, so "
             "2 in the aggregate (the smallest of its questions) -> hidden by (a) there too, with "
             "A forced -> two hidden, B shown. (P's n minus its children's n in the aggregate, "
             "16 - 5 - 5 = 6, would have hidden B by (b).)",
    "files": {
        "organisation/2020/0483.csv": csv(
            "enhet;namn;overordnad;typ",
            "KOMMUN;Kommunen;;kommun",
            "P;Förvaltning P;KOMMUN;forvaltning",
            "A;Enhet A;P;enhet",
            "B;Enhet B;P;enhet"),
        "medarbetarenkat/2020/fragor.csv": csv(
            "kolumn;matt;text;skala;grupp",
            "f1;MAL_TYDLIGA;Jag vet vilka mål som gäller för min arbetsplats;1-5;HME_STYRNING",
            "f2;MAL_DELAKTIG;Jag är delaktig i att ta fram målen;1-5;HME_STYRNING"),
        "medarbetarenkat/2020/0483.csv": _unit_answers(
            ("P", 2, (5, 4)), ("P", 4, (6, 4)),
            ("A", 5, (3, 4)), ("A", 4, (6, 4)),
            ("B", 5, (2, 3)), ("B", 4, (2, 6))),
    },
    "expected": [
        # f1 (6 = vet ej): P's own 2 * 5 = 10 over 2; A 5 * 3 = 15 over 5 -> 50; B 9 * 2 = 18 over 9
        #   -> 25. P = whole = 43 over 16 -> (43/16 - 1) * 25 = 27/16 * 25 = 42.1875
        #   split under P: own group 16 - (5 + 9) = 2 -> hidden (a); (b) A (5 < 9) hidden.
        #   root's split {P 16}, root's own group 0: nothing.
        shown(OGQ1, "0483", 2020, None, TOTAL, (43 / 16 - 1) * 25, 16),
        shown(OGQ1, "0483", 2020, None, ("kon", "K"), (43 / 16 - 1) * 25, 16),
        shown(OGQ1, "0483", 2020, "P", TOTAL, (43 / 16 - 1) * 25, 16),
        hidden(OGQ1, "0483", 2020, "A", TOTAL, 5),
        shown(OGQ1, "0483", 2020, "B", TOTAL, 25.0, 9),
        # f2: P's own 6 * 4 = 24 over 6; A 9 * 4 = 36 over 9 -> 75; B 5 * 3 = 15 over 5 -> 50.
        #   P = whole = 75 over 20 -> (75/20 - 1) * 25 = 68.75
        #   split under P: own group 20 - (9 + 5) = 6, A 9, B 5: none below 5 -> none hidden.
        shown(OGQ2, "0483", 2020, None, TOTAL, (75 / 20 - 1) * 25, 20),
        shown(OGQ2, "0483", 2020, None, ("kon", "K"), (75 / 20 - 1) * 25, 20),
        shown(OGQ2, "0483", 2020, "P", TOTAL, (75 / 20 - 1) * 25, 20),
        shown(OGQ2, "0483", 2020, "A", TOTAL, 75.0, 9),
        shown(OGQ2, "0483", 2020, "B", TOTAL, 50.0, 5),
        # HME_STYRNING = (f1 + f2) / 2, n = min of the two:
        #   whole, K and P: (42.1875 + 68.75) / 2 = 55.46875, n min(16, 20) = 16
        #   A: n min(5, 9) = 5, but its f1 cell is hidden -> hidden by (a)
        #   B: (25 + 50) / 2 = 37.5, n min(9, 5) = 5
        #   split under P: own group = min(f1 2, f2 6) = 2 -> hidden by (a); A hidden by (a);
        #   two hidden -> (b) does not apply: B shown.
        shown(OGA, "0483", 2020, None, TOTAL, ((43 / 16 - 1) * 25 + (75 / 20 - 1) * 25) / 2, 16, None),
        shown(OGA, "0483", 2020, None, ("kon", "K"), ((43 / 16 - 1) * 25 + (75 / 20 - 1) * 25) / 2, 16, None),
        shown(OGA, "0483", 2020, "P", TOTAL, ((43 / 16 - 1) * 25 + (75 / 20 - 1) * 25) / 2, 16, None),
        hidden(OGA, "0483", 2020, "A", TOTAL, 5),
        shown(OGA, "0483", 2020, "B", TOTAL, (25 + 50) / 2, 5, None),
    ],
    "complete": True,
})
