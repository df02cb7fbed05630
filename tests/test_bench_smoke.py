"""The benchmark (bench/run.py) as a smoke test on the small profile, and the check that the floor
(bench/floor.sql) and the pandas peer give the same cells as the pipeline's published
fct_measure_value on the committed demo (raw/), to 1e-9.

One pipeline build serves both: the smoke run (one run of each measurement, the new year reloaded
onto the full build's warehouse, no separate re-run) leaves its published file, and the equality
check reads it. Its time is the pipeline's: a small build (~55-75 s on the 2-core machine) plus one
year (~25 s); the floor, the peer and the queries add ~5 s, the reports step (`followup report
--all` of 2022's few municipalities) ~5-10 s. The bigger
profiles are run by hand: `python bench/run.py --profile large|national`.
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parent.parent
BENCH = REPO / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

import compare  # noqa: E402


@pytest.fixture(scope="module")
def smoke_result(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    cmd = [sys.executable, str(BENCH / "run.py"), "--profile", "small", "--runs", "1", "--smoke",
           "--skip", "rerun", "--executions", "5", "--timeout", "600", "--out", str(out)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    result = json.loads((out / "results-small.json").read_text())
    return result, proc.stdout


def test_benchmark_runs_every_measurement(smoke_result):
    result, stdout = smoke_result
    s = result["summary"]
    for key in ("build", "new_year", "floor", "floor_year", "peer"):
        assert s[key]["n"] == 1 and not s[key]["failed"], key
        assert s[key]["wall_s"] > 0, key
    assert s["build"]["peak_tree_rss"] > 0
    for key in ("floor", "floor_year"):  # the floor's conversion (xlsx, Windows-1252) on its own line
        assert 0 < s[key]["conversion_s"] < s[key]["wall_s"], key
        assert s[key]["without_conversion_s"] == pytest.approx(s[key]["wall_s"] - s[key]["conversion_s"], abs=0.2), key
    stages = s["build"]["stages"]
    assert stages["ingest"] > 0 and stages["dbt"] > 0 and stages["checks"] > 0 and stages["publish"] > 0
    assert stages["reports"] > 0  # the printable reports `followup run` renders after publishing
    rep = s["reports"]  # measured apart: `followup report --all --year 2022` on the full build's published file
    assert rep["n"] == 1 and not rep["failed"]
    assert rep["year"] == 2022 and rep["reports"] > 0 and rep["wall_s"] > 0
    assert rep["cpu_per_report_s"] > 0 and rep["cpu_s"] == pytest.approx(rep["cpu_per_report_s"] * rep["reports"], rel=1e-6)
    assert result["years"] == [2019, 2020, 2021, 2022]
    assert len(result["runs"][0]["build"]["years"]) == 1  # one Dagster run for every year
    for name in ("goals_not_met_by_area", "measure_trend_10y", "unit_hme_vs_municipality",
                 "national_rank_kolada", "activities_of_goal"):
        q = result["queries"][name]
        assert q["rows"] > 0, name
        assert q["p95_s"] > 0, name
    for ratio in ("build_over_floor", "build_over_budget", "new_year_over_floor_year", "build_over_peer"):
        assert s["ratios"][ratio] > 0, ratio
    assert "| full build, wall |" in stdout and "| one new year (2022), wall |" in stdout
    assert "| floor, all years, without the conversion |" in stdout
    assert "| printable reports of one year (2022), wall |" in stdout and "| CPU a report (" in stdout
    assert "estimated" not in stdout


def test_floor_and_peer_equal_the_published_cells(smoke_result):
    result, _ = smoke_result
    published = Path(result["published"])
    assert published.exists()
    con = duckdb.connect()
    compare.load_published(con, published)
    compare.load_floor(con, REPO / "raw")
    compare.load_peer(con, REPO / "raw")
    n = con.execute("select count(*) from pipeline").fetchone()[0]
    assert n > 10_000
    for name in ("floor", "peer"):
        diff = compare.diff_cells(con, name, "pipeline", tol=1e-9)
        assert diff["equal"], f"{name} vs pipeline: {json.dumps(diff, default=str)}"
        assert diff["cells"] == n


def test_floor_year_is_that_years_cells():
    """The new year's floor (--year) is exactly the full floor's cells of that year."""
    import floor

    con = duckdb.connect()
    floor.compute(REPO / "raw", con=con)
    con.execute("create temp table whole_2021 as select * from fct_measure_value where year = 2021")
    floor.compute(REPO / "raw", [2021], con=con)
    diff = compare.diff_cells(con, "fct_measure_value", "whole_2021", tol=1e-9)
    assert diff["equal"] and diff["cells"] > 1000, diff


# every hand-worked case of tests/measure_cases.py through the floor, each on its own: the cells,
# suppression by unit (own groups included) and the file mechanics (Windows-1252, BOM, `,`, xlsx)
def _case_names():
    sys.path.insert(0, str(REPO / "tests"))
    import measure_cases as mc

    return [c["name"] for c in mc.CASES]


@pytest.mark.parametrize("name", _case_names())
def test_floor_on_the_hand_worked_cases(name, tmp_path):
    import floor

    sys.path.insert(0, str(REPO / "tests"))
    import measure_cases as mc
    from test_pandas_peer import check_case

    case = next(c for c in mc.CASES if c["name"] == name)
    mc.write_case(case, tmp_path)
    con = duckdb.connect()
    floor.compute(tmp_path, con=con)
    check_case(case, con.execute("select * from fct_measure_value").df())


def test_floor_reads_windows_1252_both_ways(tmp_path):
    """A Windows-1252 answer file without bytes 0x80-0x9f is read by DuckDB as latin-1; one with
    such a byte (here `–`, 0x96, in a group value and `’` in a comment) is transcoded first. Both
    give case H's 2024 cells, the group value intact; the xlsx case goes through python-calamine
    and openpyxl alike."""
    import floor

    sys.path.insert(0, str(REPO / "tests"))
    import measure_cases as mc
    from test_pandas_peer import check_case

    dashed = "Kultur– och fritidsförvaltningen"
    rows = [[r[0], r[1], dashed if r[2] == "Socialförvaltningen" else r[2], *r[3:5],
             "Bra’stöd" if r[0] == 4 else None] for r in mc.INTERN_2024_ROWS]
    expected = [dict(e, group_value=dashed) if e["group_value"] == "Socialförvaltningen" else e
                for e in mc.INTERN_2024_EXPECTED]
    files = {"organisation/2024/0780.csv": mc.INTERN_ORG.replace(";", ",").encode("cp1252"),
             "intern_enkat/2024/fragor.csv": mc.INTERN_2024_FRAGOR,
             "intern_enkat/2024/0780.csv": mc.csv("svarsid,enkat,respondentgrupp,enhet,f1_kompetens,kommentar",
                                                  *(",".join("" if v is None else str(v) for v in r) for r in rows)
                                                  ).encode("cp1252")}
    mc.write_case({"files": files}, tmp_path / "c1")
    con = duckdb.connect()
    info = floor.compute(tmp_path / "c1", con=con)
    assert (info.get("latin1_files"), info.get("transcoded_files")) == (1, 1), info  # the tree, the answers
    check_case({"expected": expected, "complete": True}, con.execute("select * from fct_measure_value").df())

    case = next(c for c in mc.CASES if c["name"] == "mechanics_xlsx_and_cp1252_org")
    mc.write_case(case, tmp_path / "xlsx")
    for reader in ("calamine", "openpyxl"):
        con = duckdb.connect()
        info = floor.compute(tmp_path / "xlsx", con=con, xlsx_reader=reader)
        assert info.get("xlsx_files") == 1 and info.get("latin1_files") == 1, info
        check_case(case, con.execute("select * from fct_measure_value").df())
