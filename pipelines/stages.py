"""Concise progress lines for one year's run: one per stage (ingest, dbt, gate)."""
from __future__ import annotations

import dagster as dg

from .assets.ingest import TABLES

_SOURCE_OF_TABLE = {t: source for source, tables in TABLES.items() for t in tables}


def _fmt(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def describe_year_run(year: int, result: dg.ExecuteInProcessResult, seconds: float) -> list[str]:
    failed_steps = set(result.get_failed_step_keys())
    materialised: dict[str, int] = {}
    dbt_models = 0
    for event in result.get_asset_materialization_events():
        mat = event.step_materialization_data.materialization
        key = mat.asset_key.path
        if key[0] == "raw":
            step = event.step_key.removeprefix("ingest_")
            rows = mat.metadata.get("rows")
            materialised[step] = int(rows.value) if rows is not None else 0
        elif event.step_key == "followup_dbt_models":
            dbt_models += 1
    ingest_errors: dict[str, int] = {}
    tests = tests_failed = 0
    for ev in result.get_asset_check_evaluations():
        if ev.check_name in ("file_rules", "great_expectations"):
            errors = ev.metadata.get("errors") or ev.metadata.get("failed")
            if not ev.passed:
                source = _SOURCE_OF_TABLE.get(ev.asset_key.path[-1], ev.asset_key.path[-1])
                ingest_errors[source] = ingest_errors.get(source, 0) + (int(errors.value) if errors is not None else 1)
        else:
            tests += 1
            tests_failed += 0 if ev.passed else 1
    lines = []
    if ingest_errors:
        detail = ", ".join(f"{k}: {v}" for k, v in sorted(ingest_errors.items()))
        lines.append(f"{year}  ingest   FAILED  {sum(ingest_errors.values())} blocking finding(s) ({detail})")
    elif any(s.startswith("ingest_") for s in failed_steps):
        lines.append(f"{year}  ingest   FAILED  " + ", ".join(sorted(s for s in failed_steps if s.startswith("ingest_"))))
    else:
        parts = [f"{k} {_fmt(v)}" for k, v in materialised.items() if v]
        lines.append(f"{year}  ingest   ok      " + (" · ".join(parts) if parts else "no files"))
    if "followup_dbt_models" in failed_steps:
        lines.append(f"{year}  dbt      FAILED  {tests_failed} of {tests} tests failed" if tests_failed else f"{year}  dbt      FAILED  the dbt build failed")
    elif dbt_models:
        lines.append(f"{year}  dbt      ok      {dbt_models} models, {tests} tests passed")
    else:
        lines.append(f"{year}  dbt      skipped (a blocking check failed)")
    if result.success:
        lines.append(f"{year}  gate     passed  ({seconds:.1f} s)")
    else:
        lines.append(f"{year}  gate     FAILED  not published; the year keeps its last published version ({seconds:.1f} s)")
    return lines
