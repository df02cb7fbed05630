"""The one `Definitions` of followup: what `dagster dev`, the schedule, the sensor and the
`followup` CLI all run."""
import dagster as dg

from . import heap, run_storage
from .assets.dbt import followup_dbt_models
from .assets.gate import year_gate
from .assets.ingest import ingest_assets
from .assets.plan import load_plan
from .assets.publish import published_warehouse
from .assets.reports import printed_reports, run_report
from .jobs import followup_job
from .lines import followup_console
from .resources import FollowupPaths
from .sensors import nightly_load_schedule, raw_files_sensor

heap.tune()  # processes that load this module without the CLI (dagster dev's run workers)
run_storage.install()  # the run history without an fsync per event (see run_storage.py)

defs = dg.Definitions(
    assets=[load_plan, *ingest_assets, followup_dbt_models, year_gate, published_warehouse, run_report, printed_reports],
    jobs=[followup_job],
    schedules=[nightly_load_schedule],
    sensors=[raw_files_sensor],
    resources={
        "paths": FollowupPaths(),
    },
    loggers={"console": dg.colored_console_logger, "followup_console": followup_console},
)
heap.freeze()  # the imports above live as long as the process: out of the collector's full passes
