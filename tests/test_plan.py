"""The run's plan (pipelines/plan.py) when a year's rows were landed by another ingest: the
tables may have changed shape since (survey answers land aggregated since issue 16), so such a
year is loaded again, never rebuilt by dbt alone from what its old load left."""
from __future__ import annotations

import duckdb
import pytest

from pipelines.ingest import ensure_schema
from pipelines.plan import LOAD, REBUILD, UNCHANGED, code_fingerprints, make_plan, raw_fingerprint

from .conftest import REPO

RAW = REPO / "raw"


@pytest.fixture
def con():
    """2021 and 2022 passed; 2021 with this ingest and an older dbt project, 2022 with an older ingest."""
    c = duckdb.connect()
    ensure_schema(c)
    ingest_fp, _ = code_fingerprints()
    c.executemany("insert into audit.load_state values (?, ?, ?, ?, true, now())", [
        (2021, raw_fingerprint(RAW, 2021), ingest_fp, "older dbt"),
        (2022, raw_fingerprint(RAW, 2022), "older ingest", "older dbt"),
    ])
    return c


def actions(plan):
    return {y.year: (y.action, y.reason) for y in plan.years}


def test_followup_publish_does_not_rebuild_a_year_landed_by_another_ingest(con):
    plan = actions(make_plan(con, RAW, [2021, 2022], force=False, rebuild=True))
    assert plan[2021][0] == REBUILD
    assert plan[2022] == (UNCHANGED, "file rules changed since its load: followup run loads it")


def test_the_next_years_trend_loads_it_again_when_its_rows_are_of_another_ingest(con):
    plan = actions(make_plan(con, RAW, [2021], force=False))
    assert plan[2021] == (REBUILD, "dbt project changed")
    assert plan[2022] == (LOAD, "2021 changed (trend); file rules changed")
    # and with the same ingest the next year is rebuilt by dbt alone, as before
    con.execute("update audit.load_state set ingest_code = ? where year = 2022", [code_fingerprints()[0]]).fetchall()
    assert actions(make_plan(con, RAW, [2021], force=False))[2022] == (REBUILD, "2021 changed (trend)")
