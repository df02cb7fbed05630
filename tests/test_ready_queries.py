"""The ready queries of docs/queries (issue 14), each rendered the way its tool does it and run on
the demo's published file: 0 errors and rows for every one.

- docs/queries/goals_not_met.sql: plain DuckDB, prepared-statement parameters $1, $2.
- docs/queries/metabase/*.sql: Metabase native queries. Metabase puts a Text variable in as a
  quoted string literal and a Number as a number, and drops an optional clause `[[ ... ]]` whose
  variable has no value (keeping its text without the brackets when it has one); `metabase()`
  below does the same, from the variable types each file declares in its header.
- docs/queries/superset/*.sql: Superset SQL Lab / virtual datasets, Jinja with Superset's
  `url_param(name, default, add_to_cache_keys, escape_result)`, `filter_values(column)` and the
  `where_in` filter; `superset()` renders them in a sandboxed Jinja environment as Superset does,
  with small stand-ins for those three.

The six questions are the five dashboard queries of bench/run.py plus goals_not_met; where the
benchmark's query on the tables answers the same question, the ready query must find the same rows."""
from __future__ import annotations

import re
import sys

import duckdb
import pytest
from jinja2.sandbox import SandboxedEnvironment

from .conftest import REPO

QUERIES = REPO / "docs" / "queries"
NAMES = ("goals_not_met", "goals_not_met_by_area", "measure_trend_10y", "unit_hme_vs_municipality",
         "national_rank_kolada", "activities_of_goal")
VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
OPTIONAL = re.compile(r"\[\[(.*?)\]\]", re.S)


def header(sql: str) -> str:
    lines = []
    for line in sql.splitlines():
        if not line.startswith("--"):
            break
        lines.append(line[2:].strip())
    return " ".join(lines)


def declared_variables(sql: str) -> dict[str, tuple[str, bool]]:
    """name -> (Text or Number, optional) from the header line `Variables: kommun (Text, ...), ...`."""
    text = header(sql)
    assert "Variables:" in text, "the header names the variables and their types"
    return {name: (kind, bool(optional))
            for name, kind, optional in re.findall(r"(\w+) \((Text|Number)(, optional)?", text.split("Variables:", 1)[1])}


def metabase(sql: str, values: dict) -> str:
    """Render a Metabase native query: Text -> 'quoted', Number -> as is; [[...]] kept only when
    every variable in it has a value; a required variable without a value is an error."""
    types = declared_variables(sql)
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))

    def optional(m):
        names = VARIABLE.findall(m.group(1))
        return m.group(1) if all(values.get(n) is not None for n in names) else ""

    def variable(m):
        name = m.group(1)
        if values.get(name) is None:
            raise ValueError(f"required variable {name} has no value")
        value = values[name]
        if types[name][0] == "Number":
            return str(int(value))
        return "'" + str(value).replace("'", "''") + "'"

    return VARIABLE.sub(variable, OPTIONAL.sub(optional, body))


def superset(sql: str, url: dict | None = None, filters: dict | None = None) -> str:
    """Render a Superset query: url_param reads `url` (escaping quotes unless escape_result=False,
    as Superset does), filter_values reads `filters` (a dashboard's filters), where_in quotes a list."""
    url, filters = url or {}, filters or {}

    def quote(v):
        return str(v) if isinstance(v, (int, float)) else "'" + str(v).replace("'", "''") + "'"

    def url_param(param, default=None, add_to_cache_keys=True, escape_result=True):
        value = url.get(param, default)
        return value.replace("'", "''") if escape_result and isinstance(value, str) else value

    def filter_values(column, default=None, remove_filter=False):
        return list(filters.get(column) or ([default] if default is not None else []))

    env = SandboxedEnvironment()
    env.filters["where_in"] = lambda values, mark=None: "(" + ", ".join(quote(v) for v in values) + ")"
    return env.from_string(sql).render(url_param=url_param, filter_values=filter_values)


@pytest.fixture(scope="module")
def con(demo_published):
    c = duckdb.connect(str(demo_published), read_only=True)
    yield c
    c.close()


@pytest.fixture(scope="module")
def params(con) -> dict:
    """The benchmark's parameters for its dashboard queries, picked from the demo's file."""
    sys.path.insert(0, str(REPO / "bench"))
    from run import query_parameters

    p = query_parameters(con)
    assert p["unit"] and p["goal"] and p["kolada_year"]
    return p


def run(con, sql: str, params=None) -> list[tuple]:
    return con.execute(sql, params or []).fetchall()


def test_every_question_in_both_forms():
    for name in NAMES:
        assert (QUERIES / "metabase" / f"{name}.sql").is_file(), name
        assert (QUERIES / "superset" / f"{name}.sql").is_file(), name
    assert sorted(p.stem for p in (QUERIES / "metabase").glob("*.sql")) == sorted(NAMES)
    assert sorted(p.stem for p in (QUERIES / "superset").glob("*.sql")) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_metabase_declares_its_variables(name):
    sql = (QUERIES / "metabase" / f"{name}.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in sql.splitlines() if not line.startswith("--"))
    declared = declared_variables(sql)
    used = set(VARIABLE.findall(body))
    in_optional = {n for block in OPTIONAL.findall(body) for n in VARIABLE.findall(block)}
    required = set(VARIABLE.findall(OPTIONAL.sub("", body)))
    assert set(declared) == used
    assert {n for n, (_, optional) in declared.items() if optional} == in_optional - required
    assert "{%" not in body and "$1" not in body


def metabase_values(name: str, p: dict) -> dict:
    return {"kommun": p["kommun"], "year": p["kolada_year"] if name == "national_rank_kolada" else p["year"],
            "measure": p["measure"], "unit": p["unit"], "kpi": p["kpi"], "goal": p["goal"], "area": None}


@pytest.mark.parametrize("name", NAMES)
def test_metabase_form_runs(con, params, name):
    sql = (QUERIES / "metabase" / f"{name}.sql").read_text(encoding="utf-8")
    declared = declared_variables(sql)
    values = metabase_values(name, params)
    full = {k: values[k] for k in declared}
    assert run(con, metabase(sql, full)), "with every variable"
    required_only = {k: (None if optional else values[k]) for k, (_, optional) in declared.items()}
    assert run(con, metabase(sql, required_only)), "with the optional variables empty"
    if "area" in declared:  # an optional text variable with a value (and a quote in another)
        area = con.execute("select area from marts.v_goal_tree where kommunkod = ? and year = ? and status <> 'uppfyllt' "
                           "and area is not null order by area limit 1", [params["kommun"], params["year"]]).fetchall()[0][0]
        assert run(con, metabase(sql, {**full, "area": area}))
        assert run(con, metabase(sql, {**full, "area": "O'Hara"})) == []
    for name_, (_, optional) in declared.items():
        if not optional:
            with pytest.raises(ValueError):
                metabase(sql, {**full, name_: None})


@pytest.mark.parametrize("name", NAMES)
def test_superset_form_runs(con, params, name):
    sql = (QUERIES / "superset" / f"{name}.sql").read_text(encoding="utf-8")
    defaults = run(con, superset(sql))
    assert defaults, "with the defaults"
    year = params["kolada_year"] if name == "national_rank_kolada" else params["year"]
    url = {"kommun": params["kommun"], "year": str(year), "measure": params["measure"], "unit": params["unit"],
           "kpi": params["kpi"], "goal": params["goal"]}
    assert run(con, superset(sql, url=url)), "with URL parameters"
    filters = {"kommunkod": [params["kommun"]], "year": [year], "enhet": [params["unit"]], "goal_id": [params["goal"]],
               "measure_id": [params["kpi"] if name == "national_rank_kolada" else params["measure"]]}
    assert run(con, superset(sql, filters=filters)) == run(con, superset(sql, url=url)), "dashboard filters = URL"
    assert run(con, superset(sql, url={**url, "kommun": "04'83", "unit": "K'S", "goal": "x'", "area": "O'Hara"})) is not None


def test_plain_goals_not_met(con, params):
    sql = (QUERIES / "goals_not_met.sql").read_text(encoding="utf-8")
    found = run(con, sql, [params["kommun"], params["year"]])
    assert found
    assert found == run(con, metabase((QUERIES / "metabase" / "goals_not_met.sql").read_text(encoding="utf-8"),
                                      {"kommun": params["kommun"], "year": params["year"]}))


def test_ready_queries_answer_what_the_benchmark_asks(con, params):
    """The benchmark's queries read the tables; the ready ones read the views: the same rows."""
    sys.path.insert(0, str(REPO / "bench"))
    from run import QUERIES as BENCH

    def bench(name):
        sql = BENCH[name]
        used = {k: v for k, v in params.items() if f"${k}" in sql}
        return run(con, sql, used)

    def ready(name, **values):
        return run(con, metabase((QUERIES / "metabase" / f"{name}.sql").read_text(encoding="utf-8"),
                                 {**metabase_values(name, params), **values}))

    by_area = bench("goals_not_met_by_area")
    assert sorted((r[2], r[0], r[5]) for r in by_area) == sorted((r[2], r[0], r[5]) for r in ready("goals_not_met_by_area"))
    trend = bench("measure_trend_10y")
    assert [(y, v) for y, v, *_ in trend] == [(r[1], r[3]) for r in ready("measure_trend_10y")]
    units = [r for r in bench("unit_hme_vs_municipality")]
    whole = {r[0]: r[2] for r in units if r[1] == "Hela kommunen"}
    mine = ready("unit_hme_vs_municipality")
    assert [(r[0], r[2]) for r in units if r[1] != "Hela kommunen"] == [(r[1], r[5]) for r in mine]
    assert all(r[10] == whole[r[1]] for r in mine)  # kommun_value beside each unit's
    rank = bench("national_rank_kolada")
    assert [(r[0], r[1], r[3]) for r in rank] == [(r[0], r[1], r[3]) for r in ready("national_rank_kolada")]
    assert by_area and trend and mine and rank
    activities = bench("activities_of_goal")
    assert activities and sorted(activities) == sorted((r[2], r[3], r[4], r[5]) for r in ready("activities_of_goal"))
