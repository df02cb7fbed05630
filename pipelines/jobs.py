"""The one job: plan, ingest, dbt, each year's gate, the publish, the run report and the
printable reports, in one run. The UI's "Materialize all", the nightly schedule, the raw-file
sensor and `followup run` all start it.

Its steps run one after another in one process (the in-process executor): the build database is
a DuckDB file, which allows one writing process at a time, and the steps hand it over in turn
(each closes its connection before the next, and before dbt opens it). Runs are tagged
`followup/writer`; dagster.yaml lets one such run proceed at a time and queues the rest, and the
run holds the warehouse's writer lock (pipelines/lock.py) against anyone who bypasses the queue."""
import dagster as dg

from .assets.reports import write_report_on_failure

WRITER_TAG = "followup/writer"

followup_job = dg.define_asset_job(
    "followup",
    selection=dg.AssetSelection.all(),
    executor_def=dg.in_process_executor,
    tags={WRITER_TAG: "warehouse"},  # on every run of the job (UI, schedule, sensor, CLI)
    hooks={write_report_on_failure},
    description="Load the changed years (config `years`, `force`), check each year, publish the passed ones, "
                "write the run report and the printable reports.",
)
