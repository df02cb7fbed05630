"""The dbt project as Dagster assets: staging -> intermediate -> marts, one year per run
(`--vars '{year: YYYY}'`). dbt tests become asset checks; a failing test fails the year."""

import json
import os
import sys
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from .. import config
from ..partitions import year_partitions
from ..resources import FollowupPaths

# dbt is installed beside this Python (the project's venv), which need not be on PATH.
_bin = os.path.dirname(sys.executable)
if _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

dbt_project = DbtProject(project_dir=config.DBT_PROJECT_DIR, profiles_dir=config.DBT_PROJECT_DIR)


def ensure_manifest() -> None:
    """Parse the dbt project when its manifest is missing or older than any of its files."""
    manifest = dbt_project.manifest_path
    if manifest.exists():
        newest = max(p.stat().st_mtime for pattern in ("models/**/*", "macros/**/*", "seeds/**/*", "tests/**/*", "*.yml")
                     for p in config.DBT_PROJECT_DIR.glob(pattern) if p.is_file())
        if manifest.stat().st_mtime >= newest:
            return
    os.environ.setdefault("FOLLOWUP_BUILD_DB", str(config.build_db_path()))
    dbt_project.preparer.prepare(dbt_project)


ensure_manifest()


class FollowupTranslator(DagsterDbtTranslator):
    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed":
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 else "dbt"


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    partitions_def=year_partitions,
    dagster_dbt_translator=FollowupTranslator(),
)
def followup_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, paths: FollowupPaths):
    os.environ["FOLLOWUP_BUILD_DB"] = str(paths.build_db())
    year = int(context.partition_key)
    yield from dbt.cli(["build", "--vars", json.dumps({"year": year})], context=context).stream()
