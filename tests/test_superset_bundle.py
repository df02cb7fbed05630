"""The Superset dashboard bundle (bi/superset/bundle/, docs/bi.md) without Superset: the ZIP that
`bi/superset/bundle.py build` writes opens the published file read-only, every reference inside
it resolves, and every column, filter default and type it names is what the demo's published file
has. Running the charts in a real Superset is bench/superset_check.py (too heavy for the suite)."""
from __future__ import annotations

import importlib.util
import json
import zipfile
from pathlib import Path

import duckdb
import pytest
import yaml

from .conftest import REPO

SPEC = importlib.util.spec_from_file_location("superset_bundle", REPO / "bi" / "superset" / "bundle.py")
bundle = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bundle)


@pytest.fixture(scope="module")
def built(demo_published, tmp_path_factory) -> dict[str, dict]:
    out = tmp_path_factory.mktemp("superset") / "bundle.zip"
    bundle.build(demo_published, out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert all(n.startswith("followup_dashboard/") for n in names)  # one root folder, as an export
        return {n.removeprefix("followup_dashboard/"): yaml.safe_load(zf.read(n)) for n in names}


@pytest.fixture(scope="module")
def con(demo_published):
    c = duckdb.connect(str(demo_published), read_only=True)
    yield c
    c.close()


def of_kind(built, prefix):
    return {n: c for n, c in built.items() if n.startswith(prefix)}


def test_the_bundle_holds_one_read_only_connection_to_the_published_file(built, demo_published):
    assert built["metadata.yaml"]["version"] == "1.0.0" and built["metadata.yaml"]["type"] == "Dashboard"
    [database] = of_kind(built, "databases/").values()
    assert database["sqlalchemy_uri"] == f"duckdb:///{demo_published.resolve()}"
    assert database["sqlalchemy_uri"].startswith("duckdb:////")  # an absolute path
    assert database["extra"]["engine_params"]["connect_args"] == {"read_only": True}
    assert not database["allow_dml"] and not database["allow_ctas"] and not database["allow_cvas"]
    assert not database["allow_file_upload"]
    assert len(of_kind(built, "datasets/")) == 4 and len(of_kind(built, "charts/")) == 5
    assert len(of_kind(built, "dashboards/")) == 1


def test_a_connection_that_is_not_read_only_is_refused(tmp_path, monkeypatch, demo_published):
    sources = tmp_path / "bundle"
    for path in bundle.SOURCES.rglob("*.yaml"):
        target = sources / path.relative_to(bundle.SOURCES)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    db_file = sources / "databases" / "followup.yaml"
    db_file.write_text(db_file.read_text(encoding="utf-8").replace("read_only: true", "read_only: false"),
                       encoding="utf-8")
    monkeypatch.setattr(bundle, "SOURCES", sources)
    with pytest.raises(SystemExit, match="read-only"):
        bundle.build(demo_published, tmp_path / "out.zip")
    assert not (tmp_path / "out.zip").exists()


def test_every_reference_in_the_bundle_resolves(built):
    [database] = of_kind(built, "databases/").values()
    datasets = {d["uuid"]: d for d in of_kind(built, "datasets/").values()}
    charts = {c["uuid"]: c for c in of_kind(built, "charts/").values()}
    [dashboard] = of_kind(built, "dashboards/").values()
    assert {d["database_uuid"] for d in datasets.values()} == {database["uuid"]}
    assert {c["dataset_uuid"] for c in charts.values()} <= set(datasets)
    placed = {v["meta"]["uuid"]: v["meta"]["chartId"] for v in dashboard["position"].values()
              if isinstance(v, dict) and v.get("type") == "CHART"}
    assert set(placed) == set(charts)  # every chart on the dashboard, nothing else
    for key, item in dashboard["position"].items():  # parents and children name existing components
        if isinstance(item, dict):
            assert item["id"] == key
            assert set(item.get("children", [])) | set(item.get("parents", [])) <= set(dashboard["position"]), key
    for f in dashboard["metadata"]["native_filter_configuration"]:
        assert {t["datasetUuid"] for t in f["targets"]} <= set(datasets), f["name"]
        assert set(f["scope"]["excluded"]) <= set(placed.values()), f["name"]
    for chart in charts.values():  # the export's query_context: JSON whose form_data is the params
        context = json.loads(chart["query_context"])
        assert context["form_data"] == chart["params"] and context["queries"], chart["slice_name"]
        assert chart["params"]["viz_type"] == chart["viz_type"]


def query_columns(query: dict) -> set[str]:
    names = set()
    for col in query.get("columns", []):
        names.add(col["sqlExpression"] if isinstance(col, dict) else col)
    names |= {o[0] for o in query.get("orderby", []) if isinstance(o[0], str)}
    names |= {f["col"] for f in query.get("filters", [])}
    return names


def test_the_datasets_and_charts_name_what_the_published_views_have(built, con):
    datasets = {d["uuid"]: d for d in of_kind(built, "datasets/").values()}
    for d in datasets.values():
        assert d["schema"] == "marts"
        have = dict(con.execute("select column_name, data_type from duckdb_columns() where schema_name = 'marts' "
                                "and table_name = ?", [d["table_name"]]).fetchall())
        assert have, f"{d['table_name']} is not in the published file"
        for col in d["columns"]:
            assert have.get(col["column_name"]) == col["type"], (d["table_name"], col["column_name"])
        assert d["main_dttm_col"] in have and have[d["main_dttm_col"]] == "DATE"
    for chart in of_kind(built, "charts/").values():
        d = datasets[chart["dataset_uuid"]]
        metrics = {m["metric_name"] for m in d["metrics"]}
        listed = {c["column_name"] for c in d["columns"]}
        for query in json.loads(chart["query_context"])["queries"]:
            assert query_columns(query) - metrics <= listed, chart["slice_name"]
            assert set(query.get("metrics") or []) <= metrics, chart["slice_name"]


def test_each_filter_default_is_a_value_of_its_column(built, con):
    datasets = {d["uuid"]: d for d in of_kind(built, "datasets/").values()}
    [dashboard] = of_kind(built, "dashboards/").values()
    defaults = 0
    for f in dashboard["metadata"]["native_filter_configuration"]:
        [target] = f["targets"]
        table, column = datasets[target["datasetUuid"]]["table_name"], target["column"]["name"]
        values = {v for (v,) in con.execute(f"select distinct {column} from marts.{table}").fetchall()}
        for value in f["defaultDataMask"].get("filterState", {}).get("value") or []:
            assert value in values, (f["name"], value)
            defaults += 1
        if f["controlValues"].get("defaultToFirstItem"):
            assert f.get("requiredFirst") is True, f["name"]  # else Superset 6.1.0 runs the charts unfiltered
    assert defaults == 2  # Mått and Nyckeltal: HME
    # the charts whose saved query carries a filter default carry the same value
    charts = {c["slice_name"]: json.loads(c["query_context"])["queries"][0] for c in of_kind(built, "charts/").values()}
    assert {"col": "measure_label", "op": "IN", "val": ["Hållbart medarbetarengagemang (HME), totalindex"]} \
        in charts["Måttets utveckling"]["filters"]
    assert {"col": "measure_label", "op": "IN", "val": ["Medarbetarengagemang (HME) totalt kommunen - Totalindex"]} \
        in charts["Kolada-rangordning"]["filters"]
