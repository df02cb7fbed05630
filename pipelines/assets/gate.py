"""Each year's gate (contract section 4): a year the run loaded or rebuilt passes when none of
its blocking checks failed (file rules, Great Expectations, its dbt models and tests). The gate
records the verdict that the publish reads, the non-blocking warnings, and what the year's load
was made from (so an unchanged year is not loaded again)."""

import dagster as dg

from ..ingest.warnings import gate_warnings, record_warnings
from ..lines import say
from ..plan import YearPlan, read_plan, record_state
from ..resources import FollowupPaths
from .dbt import DBT_BUILD


@dg.asset(
    key="year_gate",
    group_name="publish",
    deps=[DBT_BUILD],
    kinds={"duckdb"},
    description="Each loaded or rebuilt year: passed when every blocking check of its load passed; "
                "publishing takes only passed years.",
    check_specs=[dg.AssetCheckSpec("warnings", asset="year_gate", blocking=False,
                                   description="Non-blocking findings: indicators without a value, answer counts or values that moved a lot.")],
)
def year_gate(context: dg.AssetExecutionContext, paths: FollowupPaths):
    verdicts: dict[int, bool] = {}
    all_warnings = []
    with paths.build_connection() as con:
        plan = read_plan(con, context.run_id)
        if plan is not None:
            years = [y for y in plan.years if y.action != "unchanged"]
        else:  # a UI run without the plan step: the years dbt built in this run
            years = [YearPlan(r[0], "rebuild", "built in this run") for r in con.execute(
                "select year from audit.dbt_year where run_id = ? order by year", [context.run_id]).fetchall()]
        built = dict(con.execute("select year, passed from audit.dbt_year where run_id = ?", [context.run_id]).fetchall())
        blocking = dict(con.execute("select year, count(*) from audit.issue where severity = 'error' group by year").fetchall())
        # the warnings of every year that can pass, in one query per rule
        warnings = gate_warnings(con, [yp.year for yp in years if not blocking.get(yp.year) and built.get(yp.year) is True])
        for yp in years:
            y = yp.year
            errors = blocking.get(y, 0)
            passed = not errors and built.get(y) is True
            if not passed and not errors:  # never a failed year without its cause
                con.execute("insert into audit.issue values (?, 'pipeline', null, null, null, 'not_built', ?, 'error')",
                            [y, f"{y} was not modelled in this run (its dbt build did not run or did not finish)"]).fetchall()
                errors = 1
            found = []
            if passed:
                found = warnings[y]
                record_warnings(con, y, found)
                all_warnings += found
            con.execute("insert or replace into audit.year_gate values (?, ?, now(), ?)", [y, passed, context.run_id]).fetchall()
            record_state(con, y, yp, passed)
            verdicts[y] = passed
            n_warn = len(found)
            if passed:
                say(context, f"{y}  gate     passed" + (f", {n_warn} warning(s) -> reports/latest.md" if n_warn else ""))
            else:
                say(context, f"{y}  gate     FAILED  {errors} blocking finding(s); not published, the year keeps its last "
                             "published version")
    for w in all_warnings[:20]:
        context.log.warning(w.one_line())
    failed = sorted(y for y, ok in verdicts.items() if not ok)
    yield dg.MaterializeResult(metadata={
        "passed_years": str(sorted(y for y, ok in verdicts.items() if ok)),
        "failed_years": str(failed), "warnings": len(all_warnings)})
    yield dg.AssetCheckResult(check_name="warnings", passed=not all_warnings, severity=dg.AssetCheckSeverity.WARN,
                              metadata={"warnings": len(all_warnings),
                                        "first": dg.MetadataValue.md("\n".join(f"- {w.one_line()}" for w in all_warnings[:20]) or "none")})
