"""The year's gate (contract section 4): a year passes when every blocking check of its load
passed. `year_gate` only materialises after all ingest checks and the dbt build (models, tests,
contracts) of the year succeeded; it records the pass that the publish step reads."""

import dagster as dg

from ..ingest.warnings import gate_warnings, record_warnings
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
    check_specs=[dg.AssetCheckSpec("warnings", asset="year_gate", blocking=False,
                                   description="Non-blocking findings: indicators without a value, answer counts or values that moved a lot.")],
)
def year_gate(context: dg.AssetExecutionContext, paths: FollowupPaths):
    year = int(context.partition_key)
    with paths.build_connection() as con:
        errors = con.execute("select count(*) from audit.issue where year = ? and severity = 'error'", [year]).fetchall()[0][0]
        if errors:
            raise dg.Failure(f"{year}: {errors} blocking findings; the year is not published")
        found = gate_warnings(con, year)
        record_warnings(con, year, found)
        con.execute("insert or replace into audit.year_gate values (?, true, now(), ?)", [year, context.run_id]).fetchall()
        warnings = con.execute("select count(*) from audit.issue where year = ? and severity = 'warning'", [year]).fetchall()[0][0]
    for w in found[:20]:
        context.log.warning(w.one_line())
    yield dg.MaterializeResult(metadata={"passed": True, "warnings": warnings})
    yield dg.AssetCheckResult(check_name="warnings", passed=not found, severity=dg.AssetCheckSeverity.WARN,
                              metadata={"warnings": len(found),
                                        "first": dg.MetadataValue.md("\n".join(f"- {w.one_line()}" for w in found[:20]) or "none")})
