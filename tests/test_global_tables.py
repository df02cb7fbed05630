"""Tables that span every year (dim_measure) take only years that passed their checks (issue 13):
a failed year adds no measure and no label, and a broken kpi.json fails its year without
emptying the titles every other year's labels use.

Fixture tests/fixtures/goals_raw: 2021 and 2022, Kolada U00200 titled in kpi.json.
"""
from __future__ import annotations

import json
import shutil

import duckdb

from .conftest import FIXTURES, run_once


def measures(wh):
    con = duckdb.connect(str(wh / "followup.duckdb"), read_only=True)
    try:
        return dict(con.execute("select measure_id, label from marts.dim_measure").fetchall())
    finally:
        con.close()


def test_a_failed_year_adds_no_measure_and_a_broken_kpi_json_keeps_the_titles(tmp_path):
    raw, wh = tmp_path / "raw", tmp_path / "warehouse"
    shutil.copytree(FIXTURES / "goals_raw", raw)
    assert run_once(raw, wh, "run", "--no-reports") == 0
    before = measures(wh)
    title = before["kolada.U00200"]
    assert title != "U00200"  # labelled from kpi.json

    # 2022 gets a new Kolada KPI, and a staff answer outside the scale: 2022 fails its checks
    kolada = raw / "kolada" / "kolada.json"
    kolada.write_text(kolada.read_text().replace(
        ' {"kpi": "U00200", "municipality": "0000", "period": 2022,',
        ' {"kpi": "U09999", "municipality": "0483", "period": 2022, "values": [{"gender": "T", "count": 1, "status": "", "value": 5.0}]},\n'
        ' {"kpi": "U00200", "municipality": "0000", "period": 2022,', 1))
    staff = raw / "medarbetarenkat" / "2022" / "0483.csv"
    staff.write_text(staff.read_text().replace("1;U1;K;5", "1;U1;K;9", 1))
    # and kpi.json is broken (it feeds every year: 2021 fails too)
    (raw / "kolada" / "kpi.json").write_text('{"values": [')
    assert run_once(raw, wh, "run", "--no-reports") == 1
    doc = json.loads((wh / "reports" / "latest.json").read_text())
    assert {y["year"]: y["passed"] for y in doc["years"]} == {2021: False, 2022: False}
    after = measures(wh)
    assert "kolada.U09999" not in after  # the failed year's new KPI is not a published measure
    assert after == before  # and every label, the Kolada titles among them, is as it was
    build = duckdb.connect(str(wh / ".build" / "build.duckdb"), read_only=True)
    try:  # the broken kpi.json did not empty the titles of the last good one
        assert build.execute("select title from raw.kpi where kpi = 'U00200'").fetchall() == [(title,)]
    finally:
        build.close()

    # kpi.json mended: 2021 passes again with its titles; 2022 still fails and adds nothing
    shutil.copy(FIXTURES / "goals_raw" / "kolada" / "kpi.json", raw / "kolada" / "kpi.json")
    assert run_once(raw, wh, "run", "--no-reports") == 1
    build = duckdb.connect(str(wh / ".build" / "build.duckdb"), read_only=True)
    try:
        assert build.execute("select label from marts.dim_measure where measure_id = 'kolada.U00200'").fetchall() == [(title,)]
        assert not build.execute("select * from marts.dim_measure where measure_id = 'kolada.U09999'").fetchall()
    finally:
        build.close()
