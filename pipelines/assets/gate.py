"""The year's gate (contract section 4): a year passes when every blocking check of its load
passed. `year_gate` only materialises after all ingest checks and the dbt build (models, tests,
contracts) of the year succeeded; it records the pass that the publish step reads."""

import dagster as dg

from ..partitions import year_partitions
from ..resources import FollowupPaths
from .dbt import followup_dbt_models


@dg.asset(
    key="year_gate",
    group_name="publish",
    partitions_def=year_partitions,
    deps=[followup_dbt_models],
    kinds={"duckdb"},
    description="Records that the year's load passed every blocking check; publishing takes only passed years.",
)
def year_gate(context: dg.AssetExecutionContext, paths: FollowupPaths) -> dg.MaterializeResult:
    year = int(context.partition_key)
    with paths.build_connection() as con:
        errors = con.execute("select count(*) from audit.issue where year = ? and severity = 'error'", [year]).fetchall()[0][0]
        if errors:
            raise dg.Failure(f"{year}: {errors} blocking findings; the year is not published")
        con.execute("insert or replace into audit.year_gate values (?, true, now(), ?)", [year, context.run_id]).fetchall()
        warnings = con.execute("select count(*) from audit.issue where year = ? and severity = 'warning'", [year]).fetchall()[0][0]
    return dg.MaterializeResult(metadata={"passed": True, "warnings": warnings})
