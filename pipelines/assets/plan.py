"""The run's first step: which years to load, rebuild or leave (pipelines/plan.py)."""

import dagster as dg

from ..checks import gx_process
from ..lines import say
from ..plan import make_plan, save_plan
from ..resources import FollowupPaths


class LoadConfig(dg.Config):
    """The years of this run (empty = every year of the raw directory) and whether to reload
    years whose raw files and code are unchanged since their last passed load."""

    years: list[int] = []
    force: bool = False
    # `followup publish`: rebuild every loaded year from its landed raw data (dbt, gate, publish)
    # without reading raw files, e.g. after a change to the dbt project only
    rebuild: bool = False


@dg.asset(
    key="load_plan",
    group_name="plan",
    kinds={"python"},
    description="Decides per year: load (raw files or file rules changed, last load failed, never "
                "loaded, or forced), rebuild (dbt project changed, or last year changed) or unchanged.",
)
def load_plan(context: dg.AssetExecutionContext, config: LoadConfig, paths: FollowupPaths) -> dg.MaterializeResult:
    raw = paths.raw()
    if not raw.is_dir():
        raise dg.Failure(f"no raw directory at {raw} (set FOLLOWUP_RAW_DIR)")
    with paths.build_connection() as con:
        plan = make_plan(con, raw, config.years or None, config.force, config.rebuild)
        save_plan(con, context.run_id, plan)
    if plan.load:  # the raw files are checked by GX later in this run: import it meanwhile
        gx_process.start()
    say(context, f"plan      {plan.describe()}")
    return dg.MaterializeResult(metadata={
        "load": str(plan.load), "rebuild": str(plan.rebuild), "unchanged": str(plan.unchanged),
        "plan": dg.MetadataValue.md("\n".join(f"- {y.year}: {y.action} ({y.reason})" for y in plan.years) or "no year"),
    })
