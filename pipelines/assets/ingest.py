"""Ingest assets: one per raw source, partitioned by year. Each lands that year's files in the
build database and records its findings; its blocking `file_rules` check fails the year if any
finding is an error, which keeps dbt and the publish step away from bad data."""

import dagster as dg

from .. import config
from ..checks.raw_quality import validate_source
from ..ingest import ingest, insert_issues
from ..partitions import year_partitions
from ..resources import FollowupPaths

DESCRIPTIONS = {
    "organisation": "organisation/<year>/<kommunkod>.csv: each municipality's unit tree.",
    "styrmodell": "styrmodell/<year>/<kommunkod>.yml: goals, indicators, activities and settings.",
    "medarbetarenkat": "medarbetarenkat/<year>/: staff survey answers (HME) and question catalogue.",
    "medborgarundersokning": "medborgarundersokning/<year>/: Medborgarundersökningen answers and catalogue.",
    "intern_enkat": "intern_enkat/<year>/: principal and recipient survey answers and catalogue.",
    "kolada": "kolada/*.json: Kolada values of the year's period, and kpi.json titles.",
}
# The raw tables each ingest lands (one Dagster asset each, as dbt's sources name them).
TABLES = {
    "organisation": ["organisation"],
    "styrmodell": ["goal_setting", "band", "goal", "indicator", "activity"],
    "medarbetarenkat": ["medarbetarenkat_question", "medarbetarenkat_respondent", "medarbetarenkat_answer"],
    "medborgarundersokning": ["medborgarundersokning_question", "medborgarundersokning_respondent", "medborgarundersokning_answer"],
    "intern_enkat": ["intern_enkat_question", "intern_enkat_respondent", "intern_enkat_answer"],
    "kolada": ["kolada_value", "kpi"],
}
# Answers need the year's unit tree; so do goals (their units).
DEPS = {
    "medarbetarenkat": ["organisation"],
    "intern_enkat": ["organisation"],
    "styrmodell": ["organisation"],
}


def build_ingest_asset(source: str) -> dg.AssetsDefinition:
    keys = [dg.AssetKey(["raw", t]) for t in TABLES[source]]
    check_key = keys[-1]

    @dg.multi_asset(
        name=f"ingest_{source}",
        specs=[
            dg.AssetSpec(key, group_name="ingest", description=DESCRIPTIONS[source], kinds={"python", "duckdb"},
                         deps=[dg.AssetKey(["raw", d]) for d in DEPS.get(source, [])])
            for key in keys
        ],
        partitions_def=year_partitions,
        check_specs=[
            dg.AssetCheckSpec("file_rules", asset=check_key, blocking=True,
                              description=f"Every {source} file of the year parses and keeps the contract's blocking rules."),
            dg.AssetCheckSpec("great_expectations", asset=check_key, blocking=True,
                              description=f"The Great Expectations suites of {source} pass on the year's landed rows (pipelines/checks/raw_quality.py)."),
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, paths: FollowupPaths):
        year = int(context.partition_key)
        with paths.build_connection() as con:
            # any new load of a year withdraws its pass until the whole year is checked again
            con.execute("insert or replace into audit.year_gate values (?, false, now(), ?)", [year, context.run_id]).fetchall()
            n, issues = ingest(con, paths.raw(), source, year)
            # second line: GX suites on what actually landed
            gx_issues, evaluated = validate_source(con, source, year)
            insert_issues(con, gx_issues)
        errors = [i for i in issues if i.severity == "error"]
        for i in issues[:50]:
            (context.log.error if i.severity == "error" else context.log.warning)(i.one_line())
        for key in keys:
            yield dg.MaterializeResult(asset_key=key, metadata={"rows": n, "errors": len(errors), "warnings": len(issues) - len(errors)})
        yield dg.AssetCheckResult(
            asset_key=check_key,
            check_name="file_rules",
            passed=not errors,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "errors": len(errors),
                "first_errors": dg.MetadataValue.md("\n".join(f"- {i.one_line()}" for i in errors[:20]) or "none"),
            },
        )
        yield dg.AssetCheckResult(
            asset_key=check_key,
            check_name="great_expectations",
            passed=not gx_issues,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={"expectations": evaluated, "failed": len(gx_issues),
                      "failures": dg.MetadataValue.md("\n".join(f"- {i.one_line()}" for i in gx_issues[:20]) or "none")},
        )

    return _ingest


ingest_assets = [build_ingest_asset(s) for s in config.ALL_SOURCES]
