"""The hand-worked cases of measure_cases.py through the real pipeline code: the ingest (file
rules) into a real build DuckDB and a real `dbt build` of the project's models.

To keep the suite fast, all cases share one raw directory and one dbt build: case i is moved
to its own block of years (its years + 100 * (i + 1)), so no two cases meet in a cell.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from . import measure_cases as mc
from .test_pandas_peer import KEY, assert_cell

REPO = Path(__file__).resolve().parent.parent
SHIFT = 100


def _shift_path(rel: str, offset: int) -> str:
    return re.sub(r"(^|/)(\d{4})(/)", lambda m: f"{m.group(1)}{int(m.group(2)) + offset}{m.group(3)}", rel, count=1)


def _shift_kolada(content, offset: int):
    text = content.decode("utf-8-sig") if isinstance(content, bytes) else content
    doc = json.loads(text)
    for entry in doc.get("values", []):
        entry["period"] = int(entry["period"]) + offset
    return json.dumps(doc)


def _years_of(case) -> set[int]:
    years = {int(m.group(1)) for rel in case["files"] for m in [re.search(r"/(\d{4})/", rel)] if m}
    years |= {row["year"] for row in case["expected"]}
    return years


@pytest.fixture(scope="module")
def pipeline_cells(tmp_path_factory):
    from pipelines.ingest import ensure_schema, ingest
    from pipelines.years import discover_years

    base = tmp_path_factory.mktemp("cases")
    raw = base / "raw"
    for i, case in enumerate(mc.CASES):
        offset = SHIFT * (i + 1)
        for rel, content in case["files"].items():
            if rel.startswith("kolada/"):
                if rel.endswith("kpi.json"):
                    continue  # titles do not matter to fct_measure_value
                dest, content = raw / "kolada" / f"case{i}_{Path(rel).name}", _shift_kolada(content, offset)
            else:
                dest = raw / _shift_path(rel, offset)
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    db = base / "build.duckdb"
    con = duckdb.connect(str(db))
    ensure_schema(con)
    issues = []
    for year in discover_years(raw):
        for source in ("organisation", "styrmodell", "medarbetarenkat", "medborgarundersokning", "intern_enkat", "kolada"):
            issues += ingest(con, raw, source, year)[1]
    con.close()
    env = {**os.environ, "FOLLOWUP_BUILD_DB": str(db)}
    dbt = Path(sys.executable).parent / "dbt"
    out = subprocess.run([str(dbt), "build", "--target-path", str(base / "target"), "--log-path", str(base / "logs")],
                         cwd=REPO / "dbt_project", env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stdout[-3000:]
    con = duckdb.connect(str(db), read_only=True)
    df = con.execute("select * from marts.fct_measure_value").df()
    con.close()
    return df, issues, db


@pytest.mark.parametrize("index", range(len(mc.CASES)), ids=[c["name"] for c in mc.CASES])
def test_case_through_pipeline(pipeline_cells, index):
    from .test_pandas_peer import rows_by_key

    case = mc.CASES[index]
    offset = SHIFT * (index + 1)
    df, issues, _ = pipeline_cells
    years = {y + offset for y in _years_of(case)}
    blocking = [i.one_line() for i in issues if i.severity == "error" and i.year in years]
    assert not blocking, blocking
    mine = df[df["year"].isin(years)]
    got = rows_by_key(mine)
    expected = [{**row, "year": row["year"] + offset} for row in case["expected"]]
    for exp in expected:
        key = tuple(exp[k] for k in KEY)
        assert key in got, f"missing cell {key}"
        assert_cell(got[key], exp)
    if case["complete"] is True:
        extra = set(got) - {tuple(e[k] for k in KEY) for e in expected}
        assert not extra, f"unexpected cells: {sorted(extra, key=str)[:10]}"
    elif case["complete"]:
        wanted = set(case["complete"])
        extra = {k for k in got if k[0] in wanted} - {tuple(e[k] for k in KEY) for e in expected}
        assert not extra, f"unexpected cells: {sorted(extra, key=str)[:10]}"


def test_no_own_group_can_be_recovered(pipeline_cells):
    """bench/own_group_check.sql on the build of all the cases: no shown unit cell whose children
    are all shown leaves an own group of 0 < n < limit to be had by subtraction."""
    _, _, db = pipeline_cells
    con = duckdb.connect(str(db), read_only=True)
    try:
        leaks = con.execute((REPO / "bench" / "own_group_check.sql").read_text()).fetchall()
    finally:
        con.close()
    assert leaks == []
