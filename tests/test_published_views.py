"""The views of the published file (issue 14; dbt_project/models/views, docs/bi.md) on the demo's
published file: each answers its question in one select with names and Swedish labels, hides a
suppressed cell's value, names no catalog in its SQL, and DuckDB 1.5.5 (Metabase) reads it.

Expected values are worked out here from the tables (or by hand for the labels), not by the
views' SQL."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.ingest.surveys import ENKATER, KON, ORG_TYPES
from pipelines.publish import VIEWS

from .conftest import REPO

VIEW_MODELS = REPO / "dbt_project" / "models" / "views"
MART_MODELS = REPO / "dbt_project" / "models" / "marts"


@pytest.fixture(scope="module")
def con(demo_published):
    c = duckdb.connect(str(demo_published), read_only=True)
    yield c
    c.close()


def rows(con, sql, params=None) -> list[dict]:
    cur = con.execute(sql, params or [])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


def test_the_published_views_are_the_dbt_view_models(con):
    assert set(VIEWS) == {p.stem for p in VIEW_MODELS.glob("*.sql")}
    assert sorted(VIEWS) == ["v_goal_tree", "v_indicator", "v_kolada_ranking", "v_measure_series", "v_unit_survey"]
    found = con.execute("select schema_name, view_name from duckdb_views() where not internal order by 2").fetchall()
    assert found == [("marts", v) for v in sorted(VIEWS)]
    for view in VIEWS:  # the columns the YAML describes, in its order (the contract of the view)
        doc = yaml.safe_load((VIEW_MODELS / f"{view}.yml").read_text(encoding="utf-8"))["models"][0]
        cols = con.execute("select column_name from duckdb_columns() where schema_name = 'marts' and table_name = ? "
                           "order by column_index", [view]).fetchall()
        assert [c for (c,) in cols] == [c["name"] for c in doc["columns"]], view


def test_no_view_names_a_catalog(con, demo_published, tmp_path):
    for view, sql in con.execute("select view_name, sql from duckdb_views() where not internal").fetchall():
        assert "build" not in sql.lower() and "followup." not in sql.lower(), view
    # attached under another name, beside another database holding a marts schema, each view reads its own file
    other = duckdb.connect()
    other.execute("create schema marts; create table marts.dim_goal as select 1 as x")
    other.execute(f"attach '{demo_published}' as elsewhere (read_only)")
    for view in VIEWS:
        assert other.execute(f"select count(*) from elsewhere.marts.{view}").fetchall() == \
            con.execute(f"select count(*) from marts.{view}").fetchall(), view
    other.close()


def test_duckdb_1_5_reads_every_view(demo_published, con, duckdb15_python):
    """duckdb_views() and a select of every row and column of each view, in DuckDB 1.5.5."""
    expected = {v: con.execute(f"select count(*) from (select * from marts.{v} order by all)").fetchall()[0][0] for v in VIEWS}
    script = ("import duckdb, sys, json; c = duckdb.connect(sys.argv[1], read_only=True); print(duckdb.__version__); "
              "vs = [r[0] for r in c.execute(\"select view_name from duckdb_views() where schema_name = 'marts' and not internal\").fetchall()]; "
              "print(json.dumps({v: c.execute(f'select count(*) from (select * from marts.{v} order by all)').fetchall()[0][0] for v in vs}))")
    out = subprocess.run([str(duckdb15_python), "-c", script, str(demo_published)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    version, counts = out.stdout.splitlines()
    assert version == "1.5.5"
    assert json.loads(counts) == expected
    assert all(n > 0 for n in expected.values()), expected


# ------------------------------------------------------------------------------------- labels
BY_HAND = {  # (domain, code) -> the label a Swedish reader expects
    ("goal_level", "kommunfullmaktige"): "kommunfullmäktige", ("goal_level", "namnd"): "nämnd",
    ("goal_level", "delmal"): "delmål", ("direction", "hogre"): "högre", ("direction", "lagre"): "lägre",
    ("activity_status", "pagaende"): "pågående", ("activity_status", "installd"): "inställd",
    ("trend", "förbättrad"): "förbättrad", ("status", "kan ej bedömas"): "kan ej bedömas",
    ("group_type", "kon"): "kön", ("group_type", "aldersgrupp"): "åldersgrupp", ("kon", "K"): "kvinnor",
    ("kon", "M"): "män", ("org_unit_typ", "forvaltning"): "förvaltning", ("measure_unit", "varde"): "värde",
    ("source", "medarbetarenkat"): "Medarbetarenkät",
}

# the code columns of the tables: (domain, table, column)
CODE_COLUMNS = [
    ("goal_level", "dim_goal", "level"), ("goal_level", "fct_goal_status", "level"),
    ("status", "fct_goal_status", "status"), ("status", "fct_goal_outcome", "status"),
    ("direction", "fct_goal_outcome", "direction"), ("trend", "fct_goal_outcome", "trend"),
    ("activity_status", "fct_activity", "status"), ("source", "dim_measure", "source"),
    ("measure_unit", "dim_measure", "unit"), ("group_type", "fct_measure_value", "group_type"),
    ("kommun_typ", "dim_kommun", "typ"), ("org_unit_typ", "dim_org_unit", "typ"),
]


def test_labels_by_hand(con):
    labels = {(d, c): lab for d, c, lab in con.execute("select domain, code, label from marts.dim_code_label").fetchall()}
    assert {k: labels.get(k) for k in BY_HAND} == BY_HAND


def test_every_code_has_a_label(con):
    """Every value the contract allows (the marts YAML's accepted_values, the ingest's lists) and
    every value the demo holds has its label."""
    labels = {(d, c) for d, c in con.execute("select domain, code from marts.dim_code_label").fetchall()}
    allowed: set[tuple[str, str]] = set()
    accepted = {}
    for path in MART_MODELS.glob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8"))["models"]:
            for column in model.get("columns", []):
                for test in column.get("data_tests") or []:
                    if isinstance(test, dict) and "accepted_values" in test:
                        accepted[(model["name"], column["name"])] = test["accepted_values"]["arguments"]["values"]
    for domain, table, column in CODE_COLUMNS:
        allowed |= {(domain, v) for v in accepted.get((table, column), [])}
        allowed |= {(domain, v) for (v,) in con.execute(f"select distinct {column} from marts.{table} where {column} is not null").fetchall()}
    allowed |= {("org_unit_typ", t) for t in ORG_TYPES} | {("kon", k) for k in KON} | {("enkat", e) for e in ENKATER}
    allowed |= {(t, v) for t, v in con.execute("select distinct group_type, group_value from marts.fct_measure_value "
                                               "where group_type in ('kon', 'enkat') and group_value <> 'Okänt'").fetchall()}
    assert len(allowed) > 40
    assert sorted(allowed - labels) == []


def test_views_carry_the_labels(con):
    labels = {(d, c): lab for d, c, lab in con.execute("select domain, code, label from marts.dim_code_label").fetchall()}
    checks = [("v_goal_tree", "level", "level_label", "goal_level"), ("v_goal_tree", "status", "status_label", "status"),
              ("v_indicator", "goal_level", "goal_level_label", "goal_level"), ("v_indicator", "status", "status_label", "status"),
              ("v_indicator", "direction", "direction_label", "direction"), ("v_indicator", "trend", "trend_label", "trend"),
              ("v_indicator", "measure_unit", "measure_unit_label", "measure_unit"),
              ("v_measure_series", "source", "source_label", "source"), ("v_measure_series", "group_type", "group_type_label", "group_type"),
              ("v_unit_survey", "enhet_typ", "enhet_typ_label", "org_unit_typ"),
              ("v_kolada_ranking", "measure_unit", "measure_unit_label", "measure_unit")]
    for view, code, label, domain in checks:
        pairs = con.execute(f"select distinct {code}, {label} from marts.{view} where {code} is not null").fetchall()
        assert pairs, (view, code)
        assert all(lab == labels[(domain, c)] for c, lab in pairs), (view, code, pairs)
    assert ("namnd", "nämnd") in con.execute("select distinct level, level_label from marts.v_goal_tree").fetchall()
    kon = dict(con.execute("select distinct group_value, group_value_label from marts.v_measure_series where group_type = 'kon'").fetchall())
    assert kon == {"K": "kvinnor", "M": "män", "Okänt": "Okänt"}


# -------------------------------------------------------------------------------- each view
def test_goal_tree(con):
    goals = rows(con, """select g.*, s.status, s.n_indicators, s.n_met, s.n_partly, s.n_not_met, s.n_no_value, k.kommun
                         from marts.dim_goal g join marts.fct_goal_status s using (kommunkod, year, goal_id)
                         join marts.dim_kommun k using (kommunkod) order by kommunkod, year, goal_id""")
    view = rows(con, "select * from marts.v_goal_tree order by kommunkod, year, goal_id")
    assert len(view) == len(goals) == con.execute("select count(*) from marts.dim_goal").fetchall()[0][0] > 0
    names = {(g["kommunkod"], g["year"], g["goal_id"]): g["name"] for g in goals}
    for g, v in zip(goals, view):
        assert (v["kommunkod"], v["year"], v["goal_id"], v["goal_name"], v["kommun"]) == \
            (g["kommunkod"], g["year"], g["goal_id"], g["name"], g["kommun"])
        assert (v["level"], v["area"], v["parent_goal_id"], v["status"], v["sort_order"]) == \
            (g["level"], g["area"], g["parent_goal_id"], g["status"], g["sort_order"])
        assert [v[c] for c in ("n_indicators", "n_met", "n_partly", "n_not_met", "n_no_value")] == \
            [g[c] for c in ("n_indicators", "n_met", "n_partly", "n_not_met", "n_no_value")]
        assert v["parent_goal_name"] == names.get((g["kommunkod"], g["year"], g["parent_goal_id"]))
        assert v["year_date"] == dt.date(g["year"], 1, 1)
    # one select answers the question: Katrineholm 2022, the tree in its file order
    tree = con.execute("select goal_id, level_label, parent_goal_id from marts.v_goal_tree "
                       "where kommunkod = '0483' and year = 2022 order by sort_order").fetchall()
    assert tree[0] == ("VISION", "vision", None) and len(tree) > 5


def test_indicator(con):
    outcomes = rows(con, "select * from marts.fct_goal_outcome order by kommunkod, year, indicator_id")
    view = rows(con, "select * from marts.v_indicator order by kommunkod, year, indicator_id")
    assert len(view) == len(outcomes) > 0
    measures = dict(con.execute("select measure_id, label from marts.dim_measure").fetchall())
    same = ("goal_id", "measure_id", "enhet", "value", "target_value", "partly_from", "direction", "status", "band_label",
            "prev_value", "change", "trend", "trend_tolerance", "peer_median", "peer_rank", "peer_count",
            "national_value", "national_rank", "national_count", "sort_order")
    for o, v in zip(outcomes, view):
        assert {c: v[c] for c in same} == {c: o[c] for c in same}
        assert v["measure_label"] == measures[o["measure_id"]]
    assert any(v["peer_rank"] is not None for v in view) and any(v["trend"] for v in view)


def test_measure_series_has_a_date_axis_and_hides_suppressed_values(con):
    assert con.execute("select data_type from duckdb_columns() where table_name = 'v_measure_series' "
                       "and column_name = 'year_date'").fetchall() == [("DATE",)]
    table = con.execute("select count(*), count(*) filter (where suppressed), count(value) from marts.fct_measure_value").fetchall()
    view = con.execute("select count(*), count(*) filter (where suppressed), count(value) from marts.v_measure_series").fetchall()
    assert view == table and table[0][1] > 0  # the demo has suppressed cells
    assert con.execute("select count(*) from marts.v_measure_series where suppressed and "
                       "(value is not null or ci_low is not null or ci_high is not null)").fetchall() == [(0,)]
    assert con.execute("select count(*) from marts.v_measure_series where year_date <> make_date(year, 1, 1)").fetchall() == [(0,)]
    # HME of Katrineholm, whole municipality: the same numbers as the table, on a time axis
    series = con.execute("select year_date, value from marts.v_measure_series where measure_id = 'medarbetarenkat.HME' "
                         "and kommunkod = '0483' and enhet is null and group_type = 'total' order by year_date").fetchall()
    cells = con.execute("select year, value from marts.fct_measure_value where measure_id = 'medarbetarenkat.HME' "
                        "and kommunkod = '0483' and enhet is null and group_type = 'total' order by year").fetchall()
    assert series == [(dt.date(y, 1, 1), v) for y, v in cells] and len(series) >= 3


def test_unit_survey_beside_the_municipality(con):
    cells = {(m, k, y, e): (v, s) for m, k, y, e, v, s in con.execute(
        "select measure_id, kommunkod, year, enhet, value, suppressed from marts.fct_measure_value "
        "where group_type = 'total' and measure_id not like 'kolada.%'").fetchall()}
    view = rows(con, "select * from marts.v_unit_survey")
    assert len(view) == sum(1 for key in cells if key[3] is not None) > 0
    suppressed_units = 0
    for r in view:
        own, own_suppressed = cells[(r["measure_id"], r["kommunkod"], r["year"], r["enhet"])]
        whole, whole_suppressed = cells[(r["measure_id"], r["kommunkod"], r["year"], None)]
        assert (r["value"], r["suppressed"], r["kommun_value"], r["kommun_suppressed"]) == (own, own_suppressed, whole, whole_suppressed)
        if own_suppressed:
            suppressed_units += 1
            assert r["value"] is None and r["ci_low"] is None and r["difference"] is None
        if own is not None and whole is not None:
            assert r["difference"] == pytest.approx(own - whole, abs=1e-12)
        else:
            assert r["difference"] is None
    assert suppressed_units > 0
    ks = con.execute("select enhet_name, enhet_typ_label, overordnad_name from marts.v_unit_survey where measure_id = "
                     "'medarbetarenkat.HME' and kommunkod = '0483' and year = 2022 and enhet = 'KS'").fetchall()
    assert ks == [("Kommunstyrelsen", "styrelse", con.execute(
        "select namn from marts.dim_org_unit where kommunkod = '0483' and year = 2022 and overordnad is null").fetchall()[0][0])]


def test_kolada_ranking_by_hand(con):
    kommuner = {k for (k,) in con.execute("select kommunkod from marts.dim_kommun where typ = 'kommun'").fetchall()}
    values = con.execute("select measure_id, year, kommunkod, value from marts.fct_measure_value where measure_id like 'kolada.%' "
                         "and group_type = 'total' and enhet is null and value is not null").fetchall()
    riket = {(m, y): v for m, y, k, v in values if k == "0000"}
    groups: dict[tuple, list] = {}
    for m, y, k, v in values:
        if k in kommuner:
            groups.setdefault((m, y), []).append((k, v))
    expected = {}
    for (m, y), members in groups.items():
        for k, v in members:  # rank = 1 + how many are strictly higher (ties share the best rank)
            expected[(m, y, k)] = (v, 1 + sum(1 for _, w in members if w > v), len(members), riket.get((m, y)))
    found = {(m, y, k): (v, r, n, rv) for m, y, k, v, r, n, rv in con.execute(
        "select measure_id, year, kommunkod, value, national_rank, national_count, riket_value from marts.v_kolada_ranking").fetchall()}
    assert found == expected and len(found) > 100
    top = con.execute("select national_rank, kommun from marts.v_kolada_ranking where measure_id = 'kolada.U00200' "
                      "and year = 2021 order by national_rank, kommun limit 1").fetchall()
    assert top and top[0][0] == 1


def test_docs_list_each_views_columns():
    """docs/bi.md's table of views names every column of each view, in the YAML's order."""
    doc = (REPO / "docs" / "bi.md").read_text(encoding="utf-8")
    for view in VIEWS:
        row = next(line for line in doc.splitlines() if line.startswith(f"| `{view}` |"))
        listed = [c.strip() for c in row.rstrip(" |").rsplit("|", 1)[1].split(",")]
        model = yaml.safe_load((VIEW_MODELS / f"{view}.yml").read_text(encoding="utf-8"))["models"][0]
        assert listed == [c["name"] for c in model["columns"]], view
