"""End to end: the real asset graph (ingest -> dbt -> gate -> publish) on a small fixture whose
figures are worked out by hand below.

Fixture tests/fixtures/e2e_raw, Katrineholm 2022. Tree: KOMMUN -> KS -> {A, B}; KOMMUN -> SOC -> C.
Every respondent answers h2..h9 (HME questions 2-9, scale 1-5) with the same value v and h1 with 5:

    unit A: v = 5, 4, 4, 3, 4            n = 5, sum 20, mean 4.0
    unit B: v = 5, 5, 4, 4, 3            n = 5, sum 21, mean 4.2  (+ one "vet ej" (6), one all blank)
    unit C: v = 2, 3, 4                  n = 3, sum  9, mean 3.0
    KS itself: v = 5                     n = 1
    KS subtree = A + B + KS: n = 11, sum 46;  municipality: n = 14, sum 55

question index = (mean - 1) * 25; h1's index is 100 in every cell; HME = mean of the nine
question indices = (100 + 8 * I) / 9 where I is the index of h2..h9.

KS's own group (contract section 3, amended 2026-11-30): respondent 16 sits on KS itself, so
KS's n minus its children's is 11 - (5 + 5) = 1: below 5, hidden by (a) in the split of KS's
children, which makes A (the smaller of A and B by text order, both n 5) hidden by (b).
"""
from __future__ import annotations

import json
import subprocess

import duckdb
import pytest

from .conftest import FIXTURES


def I(total, n):  # index of h2..h9 from the sum and count of valid answers
    return (total / n - 1) * 25


def HME(i):
    return (100 + 8 * i) / 9


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    from .conftest import run_once

    wh = tmp_path_factory.mktemp("e2e") / "warehouse"
    return run_once(FIXTURES / "e2e_raw", wh, "run"), wh


def cells(wh, measure):
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        rows = con.execute("""select coalesce(enhet, '-'), group_type, group_value, value, n_answers, suppressed, ci_low, ci_high
                              from marts.fct_measure_value where measure_id = ? and kommunkod = '0483' and year = 2022""",
                           [measure]).fetchall()
    finally:
        con.close()
    return {(r[0], r[1], r[2]): r[3:] for r in rows}


def test_run_exits_zero_and_reports(published):
    code, wh = published
    assert code == 0
    report = json.loads((wh / "reports" / "latest.json").read_text())
    assert [(y["year"], y["passed"]) for y in report["years"]] == [(2022, True)]
    assert (wh / "reports" / "latest.md").exists()
    # the printable report of what was just published (issue 8)
    assert (wh / "reports" / "0483" / "2022.html").stat().st_size > 0
    assert (wh / "reports" / "0483" / "2022.pdf").read_bytes()[:5] == b"%PDF-"


def test_hme_total_by_unit_by_hand(published):
    _, wh = published
    c = cells(wh, "medarbetarenkat.HME")
    total = ("-", "total", "Totalt")
    assert c[total][0] == pytest.approx(HME(I(55, 14)))          # 76.190476...
    assert c[total][1] == 14
    # split under KS in every question: KS's own group (respondent 16) 11 - (5 + 5) = 1 -> hidden
    # by (a); exactly one hidden -> the smallest other: A and B tie at 5, 'A' < 'B' -> A hidden.
    # In HME: A is hidden because its questions are; the own group (smallest over the questions,
    # 1) is hidden by (a) too -> two hidden in the split, (b) does not apply: B shown.
    assert c[("A", "total", "Totalt")][:3] == (None, 5, True)
    assert c[("B", "total", "Totalt")][:3] == (pytest.approx(HME(I(21, 5))), 5, False)   # 82.222...
    # C has 3 answers (< 5): suppressed; SOC's subtree is C alone: suppressed too.
    assert c[("C", "total", "Totalt")][:3] == (None, 3, True)
    assert c[("SOC", "total", "Totalt")][:3] == (None, 3, True)
    # KS (n = 11) is SOC's only sibling: total - SOC would reveal SOC, so KS is suppressed as well.
    assert c[("KS", "total", "Totalt")][:3] == (None, 11, True)
    assert HME(I(20, 5)) == pytest.approx(700 / 9)


def test_hme_subindex_and_question(published):
    _, wh = published
    mot = cells(wh, "medarbetarenkat.HME_MOTIVATION")
    # motivation = (h1 + h2 + h3) / 3 = (100 + 2 I) / 3; B: I = (21/5 - 1) * 25 = 80 (A is hidden,
    # see test_hme_total_by_unit_by_hand)
    assert mot[("B", "total", "Totalt")][0] == pytest.approx((100 + 2 * 80) / 3)
    assert mot[("A", "total", "Totalt")][:3] == (None, 5, True)
    q2 = cells(wh, "medarbetarenkat.HME_MOT2")
    m = 55 / 14
    sum_x2 = (25 + 16 + 16 + 9 + 16) + (25 + 25 + 16 + 16 + 9) + (4 + 9 + 16) + 25   # 227
    var = sum_x2 / 14 - m * m
    half = 1.96 * (var * 14 / 13 / 14) ** 0.5
    value, n, supp, lo, hi = q2[("-", "total", "Totalt")]
    assert (value, n, supp) == (pytest.approx((m - 1) * 25), 14, False)
    assert lo == pytest.approx((m - half - 1) * 25) and hi == pytest.approx((m + half - 1) * 25)


def test_background_groups_and_complementary_suppression(published):
    _, wh = published
    c = cells(wh, "medarbetarenkat.HME_MOT2")
    # kon K: 5,4,4,5,4,3,2,5 -> n 8, mean 4 -> 75.  M: 4,3,5,4,4 -> n 5.  Okänt: 3 -> n 1.
    assert c[("-", "kon", "K")][:3] == (pytest.approx(75.0), 8, False)
    assert c[("-", "kon", "Okänt")][:3] == (None, 1, True)
    # exactly one group suppressed -> the smallest other (M, n = 5) is suppressed too
    assert c[("-", "kon", "M")][:3] == (None, 5, True)


def test_kolada_values_and_no_free_text(published):
    _, wh = published
    c = cells(wh, "kolada.U00200")
    assert c[("-", "total", "Totalt")][0] == pytest.approx(80.61)
    assert c[("-", "kon", "K")][0] == pytest.approx(81.0)
    assert c[("-", "kon", "M")][0] is None
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        assert con.execute("select value from marts.fct_measure_value where measure_id = 'kolada.U00200' and kommunkod = '0004'").fetchall() == [(77.25,)]
        assert con.execute("select typ from marts.dim_kommun where kommunkod = '0004'").fetchall() == [("region",)]
        # privacy: no table holds respondent ids or comments
        tables = [r[0] for r in con.execute("select table_name from duckdb_tables()").fetchall()]
        assert not any("answer" in t for t in tables)
        text_columns = con.execute("select table_name, column_name from duckdb_columns() where column_name in ('kommentar', 'svarsid', 'respondent_id', 'lopnr')").fetchall()
        assert text_columns == []
    finally:
        con.close()
    raw = (FIXTURES / "e2e_raw" / "medarbetarenkat" / "2022" / "0483.csv").read_text()
    assert "stressigt" in raw and b"stressigt" not in (wh / "followup.duckdb").read_bytes()


def test_dim_org_unit_depth(published):
    _, wh = published
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        rows = dict(con.execute("select enhet, niva from marts.dim_org_unit where kommunkod = '0483' and year = 2022").fetchall())
    finally:
        con.close()
    assert rows == {"KOMMUN": 0, "KS": 1, "A": 2, "B": 2, "SOC": 1, "C": 2}


def test_published_file_opens_in_duckdb_1_5(published, duckdb15_python):
    _, wh = published
    script = ("import duckdb, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
              "print(duckdb.__version__, c.execute(\"select count(*) from marts.fct_measure_value where measure_id = 'medarbetarenkat.HME'\").fetchall()[0][0])")
    out = subprocess.run([str(duckdb15_python), "-c", script, str(wh / "followup.duckdb")], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, n = out.stdout.split()
    assert version == "1.5.5" and int(n) > 0


def test_weighted_verbal4_share_by_hand(published):
    _, wh = published
    c = cells(wh, "medborgarundersokning.BRA_PLATS")
    # answers (weight): 1 (1.5), 2 (0.5), 3 (1), 1 (1), 5 = vet inte (2, excluded), 2 (1)
    # positive (1-2) weight 1.5 + 0.5 + 1 + 1 = 4 of 1.5 + 0.5 + 1 + 1 + 1 = 5 -> 80 %
    assert c[("-", "total", "Totalt")][:3] == (pytest.approx(80.0), 5, False)
    # kon K: n 2, M: n 2, Okänt: n 1 -> all below 5, all hidden
    assert {k[2]: v[2] for k, v in c.items() if k[1] == "kon"} == {"K": True, "M": True, "Okänt": True}


def test_a_second_run_reuses_the_dbt_parse(published):
    """One dbt invocation per run, the years in the build database (`--vars '{years: run}'`, the
    same in every run), so a second run's `dbt build` keeps the partial parse of the first.
    (Last in this module: it loads the same files again.)"""
    from .conftest import run_once

    code, wh = published
    assert run_once(FIXTURES / "e2e_raw", wh, "run", "--force", "--no-reports") == 0
    again = wh
    lines = [json.loads(line) for line in (again / ".build" / "dbt" / "dbt.log").read_text().splitlines() if line.startswith("{")]
    last = lines[-1]["info"]["invocation_id"]
    codes = [e["info"]["code"] for e in lines if e["info"]["invocation_id"] == last]
    assert "I024" not in codes  # "Unable to do partial parsing because ..."
    assert "Z050" in codes or "I017" in codes  # partial parse: nothing changed, parsing skipped
