"""Automation: a sensor that loads a year when its raw files change, a nightly schedule that
re-checks every year, and a run-status sensor that publishes after each successful load."""
from __future__ import annotations

import json

import dagster as dg

from . import config
from .jobs import load_year_job, publish_job
from .partitions import year_partitions
from .years import discover_years, raw_fingerprint


def _year_requests(context, only_changed: bool):
    root = config.raw_dir()
    if not root.is_dir():
        return dg.SkipReason(f"no raw directory at {root}"), None
    years = discover_years(root)
    seen = json.loads(context.cursor) if only_changed and context.cursor else {}
    fingerprints = {str(y): raw_fingerprint(root, y) for y in years}
    changed = [y for y in years if seen.get(str(y)) != fingerprints[str(y)]] if only_changed else years
    new = [str(y) for y in years if not context.instance.has_dynamic_partition(year_partitions.name, str(y))]
    requests = [dg.RunRequest(run_key=f"{y}:{fingerprints[str(y)]}" if only_changed else None, partition_key=str(y)) for y in changed]
    return dg.SensorResult(
        run_requests=requests,
        dynamic_partitions_requests=[year_partitions.build_add_request(new)] if new else [],
        cursor=json.dumps(fingerprints),
    ) if only_changed else (requests, new), fingerprints


@dg.sensor(job=load_year_job, minimum_interval_seconds=60, default_status=dg.DefaultSensorStatus.STOPPED,
           description="Loads a year when any of its raw files (or a Kolada file) is added or changed.")
def raw_files_sensor(context: dg.SensorEvaluationContext):
    result, _ = _year_requests(context, only_changed=True)
    return result


@dg.schedule(job=load_year_job, cron_schedule="0 5 * * *", execution_timezone="Europe/Stockholm",
             default_status=dg.DefaultScheduleStatus.STOPPED,
             description="Every morning: load and check every year found in the raw directory.")
def nightly_load_schedule(context: dg.ScheduleEvaluationContext):
    root = config.raw_dir()
    years = [str(y) for y in discover_years(root)] if root.is_dir() else []
    new = [y for y in years if not context.instance.has_dynamic_partition(year_partitions.name, y)]
    if new:
        context.instance.add_dynamic_partitions(year_partitions.name, new)
    return [dg.RunRequest(partition_key=y, run_key=None) for y in years]


@dg.run_status_sensor(run_status=dg.DagsterRunStatus.SUCCESS, monitored_jobs=[load_year_job], request_job=publish_job,
                      default_status=dg.DefaultSensorStatus.STOPPED,
                      description="Publishes the warehouse after each successful year load.")
def publish_after_load(context: dg.RunStatusSensorContext):
    return dg.RunRequest(run_key=context.dagster_run.run_id)
