"""The survey answers land as sums per group of respondents and question (raw.answer_sum, see
`_land_rows` in pipelines/ingest/surveys.py): only valid answers (codes 1..K; not vet ej, not
blank), with their weights. Checked against sums worked out by hand on a small file, and against
an independent computation (pandas, row by row) over the demo's CSV answer files."""
from __future__ import annotations

import io
from decimal import Decimal

import duckdb
import pandas as pd
import pytest

from pipelines.ingest import ensure_schema, ingest

from .conftest import REPO

SUMS = "n, sw, sw_answer, sw_answer2, sw_top2, sw2"


def _landed(con, source: str, year: int) -> dict[tuple, tuple]:
    """{(kommunkod, enhet, kon, aldersgrupp, enkat, respondentgrupp, kolumn): (n, sw, ...)}"""
    return {tuple(r[:7]): tuple(r[7:]) for r in con.execute(f"""
        select g.kommunkod, g.enhet, g.kon, g.aldersgrupp, g.enkat, g.respondentgrupp, a.kolumn, {SUMS}
        from raw.answer_sum a join raw.respondent_group g using (source, year, grp)
        where a.source = ? and a.year = ?""", [source, year]).fetchall()}


def _land_one_municipality(raw, catalogue: str, answers: str):
    """raw/ with one municipality (0483, a one-unit tree) and its Medborgarundersokning file of
    2022 (`catalogue`: fragor.csv's rows, `answers`: the answer file), landed: (con, n, issues)."""
    (raw / "organisation" / "2022").mkdir(parents=True)
    (raw / "organisation" / "2022" / "0483.csv").write_text("enhet;namn;overordnad;typ\nKOMMUN;Kommunen;;kommun\n", encoding="utf-8")
    folder = raw / "medborgarundersokning" / "2022"
    folder.mkdir(parents=True)
    (folder / "fragor.csv").write_text("kolumn;matt;text;skala;grupp\n" + catalogue, encoding="utf-8")
    (folder / "0483.csv").write_text(answers, encoding="utf-8")
    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, raw, "organisation", 2022)
    n, issues = ingest(con, raw, "medborgarundersokning", 2022)
    return con, n, issues


_d = Decimal
# The sums of test_weighted_sums_by_hand's file: three women of 25-34 (weights 1,5 / 0,5 / 2) and
# one man of 25-34 without a weight (w = 1); (n, sw, sum(w a), sum(w a^2), sum(w) over 1-2, sum(w^2))
BY_HAND = {
    # f1, women: answers 5 (w 1.5) and 3 (w 0.5); the vet ej of the third left out
    #   sw = 2, sum(w a) = 7.5 + 1.5 = 9, sum(w a^2) = 37.5 + 4.5 = 42, no answer 1-2, sum(w^2) = 2.25 + 0.25
    ("0483", None, "K", "25-34", None, None, "f1"): (2, _d("2"), _d("9"), _d("42"), _d("0"), _d("2.5")),
    # f2, women: answers 1 (w 1.5) and 3 (w 0.5); the vet inte left out
    #   sum(w a) = 1.5 + 1.5 = 3, sum(w a^2) = 1.5 + 4.5 = 6, answers 1-2: w 1.5
    ("0483", None, "K", "25-34", None, None, "f2"): (2, _d("2"), _d("3"), _d("6"), _d("1.5"), _d("2.5")),
    # f1, the man: answer 4, w = 1; his blank f2 lands nothing
    ("0483", None, "M", "25-34", None, None, "f1"): (1, _d("1"), _d("4"), _d("16"), _d("0"), _d("1")),
}


def test_weighted_sums_by_hand(tmp_path):
    # three women of 25-34 (weights 1,5 / 0,5 / 2) and one man of 25-34 without a weight (w = 1)
    con, n, issues = _land_one_municipality(
        tmp_path / "raw", "f1;Q1;Fråga ett;1-5;\nf2;Q2;Fråga två;verbal4;\n",
        "lopnr;kon;aldersgrupp;vikt;f1;f2\n"
        "1;K;25-34;1,5;5;1\n"
        "2;K;25-34;0,5;3;3\n"
        "3;K;25-34;2;6;5\n"      # vet ej (6 on 1-5) and vet inte (5 on verbal4): no valid answer
        "4;M;25-34;;4;\n")       # no weight: w = 1; f2 blank
    assert n == 4 and not [i for i in issues if i.severity == "error"], issues
    assert _landed(con, "medborgarundersokning", 2022) == BY_HAND
    assert con.execute("""select kon, respondents, vikt_min from raw.respondent_group
                          where source = 'medborgarundersokning' order by kon""").fetchall() == [("K", 3, 0.5), ("M", 1, None)]


@pytest.mark.parametrize("big", ["5000000,5", "50000000,5"])
def test_weights_of_a_million_and_more_are_summed_exactly(tmp_path, big):
    """Weights are summed as integers (w * 10^10) in 64 bits while w a^2 < 9 * 10^8 for the top
    code (5,000,000.5 on 1-5: 1.25 * 10^8); a file with a larger one (50,000,000.5: 1.25 * 10^9)
    sums as decimal(38, 10): the sums are exact either way."""
    con, n, issues = _land_one_municipality(tmp_path / "raw", "f1;Q1;Fråga ett;1-5;\n",
                                            f"lopnr;kon;aldersgrupp;vikt;f1\n1;K;25-34;{big};5\n2;K;25-34;1,25;3\n")
    assert n == 2 and not [i for i in issues if i.severity == "error"], issues
    d = Decimal
    w = d(big.replace(",", "."))
    # respondent 1 answers 5 with weight w, respondent 2 answers 3 with weight 1.25
    assert _landed(con, "medborgarundersokning", 2022) == {
        ("0483", None, "K", "25-34", None, None, "f1"):
            (2, w + d("1.25"), w * 5 + d("3.75"), w * 25 + d("11.25"), d("0"), w * w + d("1.5625")),
    }
    if big == "5000000,5":  # by hand: sum(w a^2) = 125000012.5 + 11.25, sum(w^2) = 25000005000000.25 + 1.5625
        assert w * 25 + d("11.25") == d("125000023.75") and w * w + d("1.5625") == d("25000005000001.8125")


def test_an_xlsx_file_with_number_cells_lands_as_its_csv_would(tmp_path):
    """An xlsx answer file holds numbers as numbers (5, not "5"; a weight 1.5): they land as the
    same file written as CSV would (the sums by hand in test_weighted_sums_by_hand). A row with
    every cell empty is no respondent; a broken rule after it is named by its line in the sheet."""
    from openpyxl import Workbook

    raw = tmp_path / "raw"
    con, _, _ = _land_one_municipality(raw, "f1;Q1;Fråga ett;1-5;\nf2;Q2;Fråga två;verbal4;\n", "lopnr;kon;aldersgrupp;vikt;f1;f2\n")
    csv_file = raw / "medborgarundersokning" / "2022" / "0483.csv"
    csv_file.unlink()
    wb = Workbook()
    for r in (["lopnr", "kon", "aldersgrupp", "vikt", "f1", "f2"], [1, "K", "25-34", 1.5, 5, 1], [2, "K ", "25-34", 0.5, 3, 3],
              [None] * 6, [3, "K", "25-34", 2, 6, 5], [4, "M", "25-34", None, 4, None]):
        wb.active.append(r)
    wb.save(csv_file.with_suffix(".xlsx"))
    n, issues = ingest(con, raw, "medborgarundersokning", 2022)
    assert n == 4 and not [i for i in issues if i.severity == "error"], issues
    assert _landed(con, "medborgarundersokning", 2022) == BY_HAND
    wb.active.cell(row=5, column=5, value=7.5)  # respondent 3's f1 (line 5: after the empty line 4)
    wb.save(csv_file.with_suffix(".xlsx"))
    n, issues = ingest(con, raw, "medborgarundersokning", 2022)
    assert [(i.file, i.row, i.column, i.rule) for i in issues if i.severity == "error"] == [
        ("medborgarundersokning/2022/0483.xlsx", 5, "f1", "answer_scale")]


def test_xlsx_files_of_one_header_land_together_and_a_broken_one_alone_is_refused(tmp_path):
    """xlsx files with the same header are checked and landed as one table (surveys._union_tables):
    a broken row in one of them is named by its file and line, and only that file is not landed."""
    from openpyxl import Workbook

    raw = tmp_path / "raw"
    con, _, _ = _land_one_municipality(raw, "f1;Q1;Fråga ett;1-5;\n", "lopnr;kon;aldersgrupp;vikt;f1\n")
    folder = raw / "medborgarundersokning" / "2022"
    (folder / "0483.csv").unlink()
    (raw / "organisation" / "2022" / "0484.csv").write_text("enhet;namn;overordnad;typ\nKOMMUN;Kommunen;;kommun\n", encoding="utf-8")
    ingest(con, raw, "organisation", 2022)
    for kod, answers in (("0483", [5, 4]), ("0484", [3, 9])):  # 9 is outside 1-5 (and not vet ej)
        wb = Workbook()
        for r in (["lopnr", "kon", "aldersgrupp", "vikt", "f1"], *([i, "K", "25-34", 1, a] for i, a in enumerate(answers, 1))):
            wb.active.append(r)
        wb.save(folder / f"{kod}.xlsx")
    n, issues = ingest(con, raw, "medborgarundersokning", 2022)
    assert [(i.file, i.row, i.column, i.rule) for i in issues if i.severity == "error"] == [
        ("medborgarundersokning/2022/0484.xlsx", 3, "f1", "answer_scale")]
    assert n == 2
    assert _landed(con, "medborgarundersokning", 2022) == {
        ("0483", None, "K", "25-34", None, None, "f1"): (2, Decimal(2), Decimal(9), Decimal(41), Decimal(0), Decimal(2))}


def _read_csv(path) -> pd.DataFrame:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:  # the contract allows Windows-1252
        text = data.decode("cp1252")
    sep = ";" if text.split("\n", 1)[0].count(";") else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


@pytest.mark.parametrize("source", ["medarbetarenkat", "medborgarundersokning", "intern_enkat"])
def test_demo_sums_equal_a_row_by_row_computation(source):
    """Every (group, question) the demo's CSV answer files of 2022 give, computed in pandas from
    the rows: the landed sums are the same, exactly."""
    year = 2022
    raw = REPO / "raw"
    con = duckdb.connect()
    ensure_schema(con)
    ingest(con, raw, "organisation", year)
    ingest(con, raw, source, year)
    landed = _landed(con, source, year)
    catalogue = _read_csv(raw / source / str(year) / "fragor.csv")
    top = {k.lower(): (4 if s == "verbal4" else int(s.split("-")[1])) for k, s in zip(catalogue["kolumn"], catalogue["skala"])}
    files = sorted(p for p in (raw / source / str(year)).glob("*.csv") if p.name != "fragor.csv")
    assert files
    expected = {}
    for path in files:
        df = _read_csv(path)
        df.columns = [c.strip().lower() for c in df.columns]
        for _, row in df.iterrows():
            w = Decimal(row["vikt"].strip().replace(",", ".")) if row.get("vikt", "").strip() else Decimal(1)
            key = (path.stem,
                   *[(row[c].strip() or None) if c in df.columns else None
                     for c in ("enhet", "kon", "aldersgrupp", "enkat", "respondentgrupp")])
            for kolumn, k in top.items():
                a = row.get(kolumn, "").strip()
                if not a or not 1 <= int(a) <= k:  # blank, or vet ej (k + 1)
                    continue
                a = int(a)
                s = expected.setdefault((*key, kolumn), [0, Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0)])
                s[0] += 1
                s[1] += w
                s[2] += w * a
                s[3] += w * a * a
                s[4] += w if a <= 2 else 0
                s[5] += w * w
    mine = {key: v for key, v in landed.items() if key[0] in {p.stem for p in files}}
    assert len(mine) == len(expected) > 100
    assert mine == {key: tuple(v) for key, v in expected.items()}
