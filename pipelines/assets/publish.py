"""The published warehouse: every passed year, atomically (see pipelines/publish.py)."""

import dagster as dg

from ..publish import publish
from ..resources import FollowupPaths
from .gate import year_gate


@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=[year_gate],
    kinds={"duckdb"},
    description="<warehouse>/followup.duckdb (schema marts), readable by DuckDB 1.5 and BI tools; replaced atomically.",
)
def published_warehouse(context: dg.AssetExecutionContext, paths: FollowupPaths) -> dg.MaterializeResult:
    result = publish(paths.build_db(), paths.warehouse())
    context.log.info(f"published {result.path} ({result.mode}{': ' + result.reason if result.reason else ''}): "
                     f"years {result.published_years}, replaced {result.replaced_years}, kept {result.kept_years}")
    return dg.MaterializeResult(metadata={
        "path": str(result.path),
        "published_years": str(result.published_years),
        "kept_years": str(result.kept_years),
        "mode": result.mode,  # 'incremental' (a copy of the old file, replaced years rewritten) or 'full'
        "replaced_years": str(result.replaced_years),
        **({"full_rewrite_reason": result.reason} if result.reason else {}),
        **{f"rows.{t}": n for t, n in sorted(result.table_rows.items())},
    })
