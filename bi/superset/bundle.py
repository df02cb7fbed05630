"""The Superset dashboard bundle: build its ZIP from the YAML sources, and load it into Superset.

    python bi/superset/bundle.py build --database /abs/path/followup.duckdb --out bundle.zip
    python bi/superset/bundle.py load bundle.zip [--username admin]

`build` needs only PyYAML. It writes the export format `superset import-dashboards -p` reads
(metadata.yaml, databases/, datasets/, charts/, dashboards/ under one root folder) from
bi/superset/bundle/: it puts the published file's absolute path into the database's SQLAlchemy
URI, refuses a database entry that is not opened read-only, and turns each chart's
`query_context` (kept in the sources as YAML, without the chart's params a second time) into the
JSON string of an export, whose form_data is the chart's params.

`load` runs in Superset's environment (SUPERSET_CONFIG_PATH and SUPERSET_HOME set, as `make
superset` does). `superset import-dashboards` overwrites only the dashboard and keeps an earlier
import's database, datasets and charts; `load` imports each kind with overwrite, so a changed
path, chart or filter takes effect, and then reads every dataset's columns from the file (the
sources list only the columns the charts use).
"""
from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path

import yaml

SOURCES = Path(__file__).resolve().parent / "bundle"
ROOT = "followup_dashboard"  # the folder inside the ZIP; the importer drops the first path part
DATABASE_MARKER = "@FOLLOWUP_DUCKDB@"


def _chart_export(config: dict) -> dict:
    spec = config.get("query_context")
    if not isinstance(spec, dict):
        return config
    params = config["params"]
    query_context = {
        # the importer replaces the datasource with the imported dataset's id
        "datasource": {"id": 0, "type": "table"},
        "force": False,
        "queries": spec["queries"],
        "form_data": params,
        "result_format": "json",
        "result_type": "full",
    }
    return {**config, "query_context": json.dumps(query_context, ensure_ascii=False)}


def _database_export(config: dict, database: Path) -> dict:
    connect_args = config.get("extra", {}).get("engine_params", {}).get("connect_args", {})
    if connect_args.get("read_only") is not True:
        raise SystemExit(f"{config['database_name']}: the published file must be opened read-only "
                         "(extra.engine_params.connect_args.read_only: true)")
    if DATABASE_MARKER not in config["sqlalchemy_uri"]:
        raise SystemExit(f"{config['database_name']}: sqlalchemy_uri lacks {DATABASE_MARKER}")
    # duckdb:/// + an absolute path: duckdb:////work/.../followup.duckdb
    return {**config, "sqlalchemy_uri": config["sqlalchemy_uri"].replace(DATABASE_MARKER, str(database.resolve()))}


def build(database: Path, out: Path) -> list[str]:
    """Write the bundle ZIP; returns the names of the files in it (without the root folder)."""
    names = []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(SOURCES.rglob("*.yaml")):
            name = path.relative_to(SOURCES).as_posix()
            config = yaml.safe_load(path.read_text(encoding="utf-8"))
            if name.startswith("databases/"):
                config = _database_export(config, database)
            elif name.startswith("charts/"):
                config = _chart_export(config)
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False, width=120)
            zf.writestr(f"{ROOT}/{name}", text)
            names.append(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(buf.getvalue())
    return names


def load(bundle: Path, username: str) -> None:  # pragma: no cover - needs Superset's environment
    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from flask import g
        from superset import db, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
        from superset.commands.database.importers.v1 import ImportDatabasesCommand
        from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
        from superset.commands.importers.v1.utils import get_contents_from_bundle
        from superset.connectors.sqla.models import SqlaTable

        g.user = security_manager.find_user(username=username)
        if g.user is None:
            raise SystemExit(f"no Superset user {username!r}")
        with zipfile.ZipFile(bundle) as zf:
            contents = get_contents_from_bundle(zf)
        metadata = yaml.safe_load(contents["metadata.yaml"])
        for command, kind in ((ImportDatabasesCommand, "Database"), (ImportDatasetsCommand, "SqlaTable"),
                              (ImportChartsCommand, "Slice"), (ImportDashboardsCommand, "Dashboard")):
            command({**contents, "metadata.yaml": yaml.safe_dump({**metadata, "type": kind})},
                    overwrite=True).run()
        for name, text in contents.items():
            if name.startswith("datasets/"):
                uuid = yaml.safe_load(text)["uuid"]
                dataset = db.session.query(SqlaTable).filter_by(uuid=uuid).one()
                dataset.fetch_metadata()
                print(f"dataset  {dataset.schema}.{dataset.table_name}: {len(dataset.columns)} columns")
        db.session.commit()
    print(f"loaded   {bundle} (database, datasets, charts and dashboard, overwritten)")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the bundle ZIP")
    b.add_argument("--database", type=Path, required=True, help="the published followup.duckdb")
    b.add_argument("--out", type=Path, required=True)
    lo = sub.add_parser("load", help="import the ZIP into Superset, overwriting an earlier import")
    lo.add_argument("bundle", type=Path)
    lo.add_argument("--username", default="admin")
    args = p.parse_args(argv)
    if args.cmd == "build":
        if not args.database.is_file():
            print(f"{args.database}: no published file (run `make run` first)", file=sys.stderr)
            return 1
        names = build(args.database, args.out)
        print(f"bundle   {args.out}: {len(names)} files")
    else:
        load(args.bundle, args.username)
    return 0


if __name__ == "__main__":
    sys.exit(main())
