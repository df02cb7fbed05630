"""The dbt project as Dagster assets: staging -> intermediate -> marts, one year per run
(FOLLOWUP_YEAR=YYYY). dbt tests become asset checks; a failing test fails the year."""

import contextlib
import functools
import importlib.metadata
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets
from packaging import version

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


class FollowupDbtCli(DbtCliResource):
    """dagster-dbt's DbtCliResource, but it learns dbt's version from the installed dbt-core
    package instead of running `dbt --version` (a 1.8 s Python start-up) in every Dagster run,
    since resources are built anew for each run and the year's run is one of many."""

    @functools.cached_property
    def _cli_version(self) -> version.Version:
        return _installed_dbt_version()


@functools.cache
def _installed_dbt_version() -> version.Version:
    return version.parse(importlib.metadata.version("dbt-core"))


@contextlib.contextmanager
def _environment(**values: str):
    """Set environment variables for the dbt process started inside the block (dagster-dbt copies
    os.environ when it starts dbt), and put the old values back after it."""
    old = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def ensure_parse_state(dbt: DbtCliResource, target: Path) -> None:
    """Keep a parse of the project made for this warehouse's build database in `target`, from
    which dagster-dbt starts every run (it copies `$DBT_TARGET_PATH/partial_parse.msgpack`). dbt
    re-parses the whole project when the profile differs from its saved parse (the build
    database's path is in the profile), so a shared parse in dbt_project/target would be re-done
    at every year of every other warehouse. Each run's artifacts go under the warehouse too."""
    state = target / "partial_parse.msgpack"
    if state.exists() and state.stat().st_mtime >= dbt_project.manifest_path.stat().st_mtime:
        return
    target.mkdir(parents=True, exist_ok=True)
    dbt.cli(["parse", "--quiet"], target_path=target, raise_on_error=True).wait()


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
    ensure_parse_state(dbt, paths.dbt_target())
    # the year goes in the environment, not --vars: a changed var makes dbt re-parse the project
    # at every invocation (see dbt_project/macros/partitions.sql)
    with _environment(FOLLOWUP_YEAR=str(int(context.partition_key)), DBT_TARGET_PATH=str(paths.dbt_target())):
        invocation = dbt.cli(["build"], context=context)
    yield from invocation.stream()
