"""Goal outcomes (contract section 5) through the real pipeline, on tests/fixtures/goals_raw.

Kolada U00200 (T) in 2022: 0483 80.0, peers 0486 82.0, 0488 80.0, 0461 null; also 0480 75.0,
0000 79.5 and region 0004 90.0 (a region: never ranked). 2021: 0483 78.9.
Staff question Q1 (1-5) 2022: U1 5,4,4,4,3,4,4 (mean 4 -> 75), U2 2,2,2 (n 3: suppressed),
U3 3 x 6 (n 6: suppressed by complement, the smallest of U2's siblings); whole municipality
52/16 = 3.25 -> 56.25.
Goal tree 2022: V -> KF (I1, I2) -> N (I3) -> D (I5 on U2, I6 on U1); V -> E (I7, no value);
V -> F (I8). In 2021 D hung under KF and had another name; I2 did not exist.
"""
from __future__ import annotations

import duckdb
import pytest

from .conftest import FIXTURES

COLS = ("value", "target_value", "status", "band_label", "prev_value", "change", "trend",
        "peer_median", "peer_rank", "peer_count", "national_value", "national_rank", "national_count")


@pytest.fixture(scope="module")
def wh(tmp_path_factory):
    from .conftest import run_once

    wh = tmp_path_factory.mktemp("goals") / "warehouse"
    assert run_once(FIXTURES / "goals_raw", wh, "run", "--no-reports") == 0
    return wh


def query(wh, sql, params=()):
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def outcome(wh, year, indicator):
    rows = query(wh, f"select {', '.join(COLS)} from marts.fct_goal_outcome where kommunkod = '0483' and year = ? and indicator_id = ?", (year, indicator))
    assert len(rows) == 1
    return dict(zip(COLS, rows[0]))


def test_met_at_target_with_band_trend_and_ranks_with_ties(wh):
    o = outcome(wh, 2022, "I1")
    assert o["value"] == 80.0 and o["status"] == "uppfyllt"           # 80 >= 80: met at the target
    assert o["band_label"] == "bra"                                    # first band whose fran 80 is reached
    assert o["prev_value"] == 78.9 and o["change"] == pytest.approx(1.1)
    assert o["trend"] == "förbättrad"                                   # +1.1 >= tolerance 1.0
    # peers with a value: 0483 80, 0486 82, 0488 80 (0461 null): median 80; one better -> rank 2, shared with 0488
    assert (o["peer_median"], o["peer_rank"], o["peer_count"]) == (80.0, 2, 3)
    # nation (municipalities only): 82, 80, 80, 75 -> rank 2 of 4; region 0004 (90) is not ranked
    assert (o["national_value"], o["national_rank"], o["national_count"]) == (79.5, 2, 4)


def test_lower_is_better_partly_met_and_trend_at_exact_tolerance(wh):
    o = outcome(wh, 2022, "I2")
    assert o["status"] == "delvis uppfyllt"          # lagre: 80 > target 79, but <= delvis_fran 81
    assert o["prev_value"] == 78.9                    # follows the measure: I2 was not in the 2021 model
    assert o["trend"] == "försämrad"                  # +1.1 in the bad direction, exactly the tolerance 1.1
    assert o["band_label"] is None                    # no band set
    assert (o["peer_rank"], o["national_rank"]) == (1, 2)   # lower is better: nobody below 80 among peers; 75 nationally


def test_not_met_and_trend_below_tolerance(wh):
    o = outcome(wh, 2022, "I3")
    assert o["status"] == "ej uppfyllt" and o["trend"] == "oförändrad"   # 80 < 85, no delvis_fran; 1.1 < 1.2
    assert o["band_label"] == "bra"


def test_suppressed_unit_value_cannot_be_assessed(wh):
    o = outcome(wh, 2022, "I5")
    assert o["value"] is None and o["status"] == "kan ej bedömas" and o["trend"] is None
    assert o["peer_rank"] is None and o["peer_count"] is None and o["national_count"] is None


def test_unit_indicator_has_no_comparison(wh):
    o = outcome(wh, 2022, "I6")
    assert o["value"] == pytest.approx(75.0) and o["status"] == "uppfyllt"
    assert o["prev_value"] is None and o["trend"] is None
    assert (o["peer_median"], o["peer_rank"], o["national_rank"]) == (None, None, None)


def test_survey_measure_compares_among_those_with_values(wh):
    o = outcome(wh, 2022, "I8")
    assert o["value"] == pytest.approx((52 / 16 - 1) * 25) and o["status"] == "ej uppfyllt"
    assert (o["peer_rank"], o["peer_count"], o["national_value"], o["national_count"]) == (1, 1, None, 1)


def test_roll_up_over_three_levels(wh):
    rows = query(wh, """select goal_id, status, n_indicators, n_met, n_partly, n_not_met, n_no_value
                        from marts.fct_goal_status where kommunkod = '0483' and year = 2022""")
    got = {r[0]: r[1:] for r in rows}
    assert got["D"] == ("uppfyllt", 2, 1, 0, 0, 1)          # I6 met, I5 no value
    assert got["N"] == ("delvis uppfyllt", 3, 1, 0, 1, 1)   # + I3 not met
    assert got["KF"] == ("delvis uppfyllt", 5, 2, 1, 1, 1)  # + I1 met, I2 partly
    assert got["E"] == ("kan ej bedömas", 1, 0, 0, 0, 1)
    assert got["F"] == ("ej uppfyllt", 1, 0, 0, 1, 0)
    assert got["V"] == ("delvis uppfyllt", 7, 2, 1, 2, 2)


def test_goal_model_changes_between_years(wh):
    goals = {y: dict(query(wh, "select goal_id, parent_goal_id from marts.dim_goal where kommunkod = '0483' and year = ?", (y,)))
             for y in (2021, 2022)}
    assert goals[2021]["D"] == "KF" and goals[2022]["D"] == "N"
    assert "E" not in goals[2021]
    o = outcome(wh, 2021, "I1")
    assert (o["status"], o["band_label"], o["prev_value"], o["trend"]) == ("delvis uppfyllt", "godkänt", None, None)
    status_2021 = dict(query(wh, "select goal_id, status from marts.fct_goal_status where kommunkod = '0483' and year = 2021"))
    assert status_2021 == {"V": "delvis uppfyllt", "KF": "delvis uppfyllt", "D": "kan ej bedömas"}


def test_activities(wh):
    rows = query(wh, "select activity_id, goal_id, locked, status from marts.fct_activity where year = 2022 order by 1")
    assert rows == [("A1", "D", True, "pagaende"), ("A2", "D", False, "planerad")]


def test_the_bi_question_in_one_query(wh):
    """Which goals were not met, at which level and area, how they moved, and the peer rank per indicator."""
    from pathlib import Path

    sql = (Path(__file__).resolve().parent.parent / "docs" / "queries" / "goals_not_met.sql").read_text()
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        cur = con.execute(sql, ["0483", 2022])
        names = [d[0] for d in cur.description]
        rows = [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()
    by_indicator = {r["indicator_id"]: r for r in rows}
    assert {r["goal_id"] for r in rows} == {"V", "KF", "N", "F"}     # every goal not fully met, with a value
    pick = ("goal_id", "level", "area", "goal_status")
    assert tuple(by_indicator["I3"][k] for k in pick) == ("N", "nämnd", "Medarbetare", "delvis uppfyllt")
    assert tuple(by_indicator["I8"][k] for k in pick) == ("F", "delmål", "Service", "ej uppfyllt")
    i1 = [r for r in rows if r["goal_id"] == "KF" and r["indicator_id"] == "I1"][0]
    assert tuple(i1[k] for k in ("indicator_status", "value", "prev_value", "trend", "peer_rank", "peer_count")) \
        == ("uppfyllt", 80.0, 78.9, "förbättrad", 2, 3)
