"""Automation: a nightly schedule and a sensor on the raw files. Each asks for one run of the
`followup` job; the job itself loads only the years whose raw files or code changed."""
from __future__ import annotations

import hashlib
import json

import dagster as dg

from . import config
from .jobs import followup_job
from .years import discover_years, raw_fingerprint


@dg.schedule(job=followup_job, cron_schedule="0 5 * * *", execution_timezone="Europe/Stockholm",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Every morning: one run over every year of the raw directory; it loads what changed "
                         "since the last passed load and publishes.")
def nightly_load_schedule(context: dg.ScheduleEvaluationContext):
    root = config.raw_dir()
    if not root.is_dir():
        return dg.SkipReason(f"no raw directory at {root}")
    tick = context.scheduled_execution_time
    return dg.RunRequest(run_key=f"nightly-{tick.isoformat() if tick else 'now'}",
                         tags={"followup/trigger": "schedule"})


def _changed_years(context) -> tuple[list[int], dict[str, str]]:
    root = config.raw_dir()
    years = discover_years(root)
    seen = json.loads(context.cursor) if context.cursor else {}
    fingerprints = {str(y): raw_fingerprint(root, y) for y in years}
    return [y for y in years if seen.get(str(y)) != fingerprints[str(y)]], fingerprints


@dg.sensor(job=followup_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="When raw files of a year (or a Kolada file) are added or changed: one run for those years.")
def raw_files_sensor(context: dg.SensorEvaluationContext):
    root = config.raw_dir()
    if not root.is_dir():
        return dg.SkipReason(f"no raw directory at {root}")
    changed, fingerprints = _changed_years(context)
    cursor = json.dumps(fingerprints, sort_keys=True)
    if not changed:
        return dg.SensorResult(skip_reason="no raw file changed", cursor=cursor)
    key = hashlib.sha256(json.dumps({str(y): fingerprints[str(y)] for y in changed}, sort_keys=True).encode()).hexdigest()[:20]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=f"raw-{key}", tags={"followup/trigger": "sensor"},
                                    run_config={"ops": {"load_plan": {"config": {"years": changed}}}})],
        cursor=cursor)
