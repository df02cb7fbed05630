"""The published warehouse: every passed year, atomically (see pipelines/publish.py)."""

import dagster as dg

from ..lines import say
from ..plan import publish_pending
from ..publish import PUBLISHED, publish, remove_strays
from ..resources import FollowupPaths
from ..summary import published_summary
from .gate import year_gate


@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=[year_gate],
    kinds={"duckdb"},
    description="<warehouse>/followup.duckdb (schema marts), readable by DuckDB 1.5 and BI tools; replaced "
                "atomically. Written when it does not hold every passed year's newest version, or calls a failed year passed.",
)
def published_warehouse(context: dg.AssetExecutionContext, paths: FollowupPaths) -> dg.MaterializeResult:
    target = paths.warehouse() / PUBLISHED
    with paths.build_connection() as con:
        passed = [r[0] for r in con.execute("select year from audit.year_gate where passed").fetchall()]
        stale = publish_pending(con, target)
    if target.exists() and not stale:
        remove_strays(paths.warehouse())
        say(context, f"publish   unchanged  {target}  (it holds every passed year's newest version)")
        return dg.MaterializeResult(metadata={"path": str(target), "mode": "unchanged"})
    if not target.exists() and not passed:
        say(context, "publish   nothing   no year has passed its checks yet")
        return dg.MaterializeResult(metadata={"path": str(target), "mode": "nothing"})
    result = publish(paths.build_db(), paths.warehouse())
    summary = published_summary(target)
    say(context, f"publish   ok     {target}  ({result.mode}; replaced {', '.join(map(str, result.replaced_years)) or 'none'})")
    for line in summary.lines():
        say(context, line)
    return dg.MaterializeResult(metadata={
        "path": str(result.path),
        "published_years": str(result.published_years),
        "kept_years": str(result.kept_years),
        "mode": result.mode,  # 'incremental' (a copy of the old file, replaced years rewritten) or 'full'
        "replaced_years": str(result.replaced_years),
        **({"full_rewrite_reason": result.reason} if result.reason else {}),
        **{f"rows.{t}": n for t, n in sorted(result.table_rows.items())},
    })
