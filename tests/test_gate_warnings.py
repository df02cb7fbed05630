"""The gate's warnings (contract section 4: non-blocking findings), computed for all the years a
run gates in one query per rule (pipelines/ingest/warnings.py), checked against an independent
computation in Python on the demo's build database, and against the same rules asked one year
at a time."""
from __future__ import annotations

import shutil
from collections import defaultdict

import duckdb
import pytest

from pipelines.ingest.warnings import CHANGE_SHARE, MOVE_LIMIT, gate_warnings


@pytest.fixture()
def build_db(demo_published, tmp_path):
    """A copy of the demo run's build database (a test may change it)."""
    path = tmp_path / "build.duckdb"
    shutil.copy(demo_published.parent / ".build" / "build.duckdb", path)
    con = duckdb.connect(str(path))
    yield con
    con.close()


def _years(con) -> list[int]:
    return [r[0] for r in con.execute("select year from audit.year_gate order by year").fetchall()]


def _keys(warnings, rule: str) -> set[tuple]:
    """(year, first word, the word after 'for'): measure and municipality of a value_moved."""
    out = set()
    for y, found in warnings.items():
        for w in found:
            if w.rule == rule:
                words = w.message.split()
                out.add((y, words[0], words[2].rstrip(":")))
    return out


def test_the_run_recorded_what_the_rules_find(build_db):
    years = _years(build_db)
    found = gate_warnings(build_db, years)
    recorded = sorted(build_db.execute("""select year, rule, message from audit.issue where severity = 'warning'
                                          order by all""").fetchall())
    assert recorded == sorted((y, w.rule, w.message) for y, ws in found.items() for w in ws)
    assert {w.rule for ws in found.values() for w in ws} >= {"indicator_without_value", "value_moved"}


def test_all_years_at_once_equal_each_year_alone(build_db):
    years = _years(build_db)
    together = gate_warnings(build_db, years)
    assert set(together) == set(years)
    for y in years:
        assert together[y] == gate_warnings(build_db, [y])[y], y


def test_value_moved_against_python(build_db):
    rows = build_db.execute("""select f.year, f.measure_id, f.kommunkod, f.value
                               from marts.fct_measure_value f join marts.dim_measure d using (measure_id)
                               where f.enhet is null and f.group_type = 'total' and d.unit in ('index', 'procent')
                                 and f.value is not null""").fetchall()
    followed = set(build_db.execute("select distinct year, kommunkod from raw.respondent_group").fetchall())
    value = {(y, m, k): v for y, m, k, v in rows}
    expected = {(y, m, k) for (y, m, k), v in value.items()
                if (y, k) in followed and (y - 1, m, k) in value and abs(v - value[(y - 1, m, k)]) > MOVE_LIMIT}
    assert expected, "the demo has values that moved more than the limit"
    assert _keys(gate_warnings(build_db, _years(build_db)), "value_moved") == expected


def test_answers_changed_against_python(build_db):
    # three times the staff respondents of one municipality in 2021: 2021 against 2020 and 2022
    # against 2021 both change by more than half
    kommun = build_db.execute("""select min(kommunkod) from raw.respondent_group
                                 where source = 'medarbetarenkat' and year = 2021""").fetchall()[0][0]
    build_db.execute("""update raw.respondent_group set respondents = respondents * 3
                        where source = 'medarbetarenkat' and year = 2021 and kommunkod = ?""", [kommun])
    n = defaultdict(int)
    for source, k, y, r in build_db.execute("select source, kommunkod, year, respondents from raw.respondent_group").fetchall():
        n[(source, k, y)] += r
    years = _years(build_db)
    expected = {(y, source, k) for (source, k, y), c in n.items()
                if y in years and (source, k, y - 1) in n and abs(c - n[(source, k, y - 1)]) > CHANGE_SHARE * n[(source, k, y - 1)]}
    assert {(2021, "medarbetarenkat", kommun), (2022, "medarbetarenkat", kommun)} <= expected
    found = gate_warnings(build_db, years)
    assert {(y, w.source, w.message.split(":")[0]) for y, ws in found.items() for w in ws if w.rule == "answers_changed"} == expected
