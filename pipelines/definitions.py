"""The one `Definitions` of followup: what `dagster dev`, the schedule, the sensors and the
`followup` CLI all run."""
import dagster as dg
from .assets.dbt import FollowupDbtCli, dbt_project, followup_dbt_models
from .dbt_warm import CLIENT as WARM_DBT
from .assets.gate import year_gate
from .assets.ingest import ingest_assets
from .assets.publish import published_warehouse
from .jobs import load_year_job, publish_job
from .resources import FollowupPaths
from .sensors import nightly_load_schedule, publish_after_load, raw_files_sensor

defs = dg.Definitions(
    assets=[*ingest_assets, followup_dbt_models, year_gate, published_warehouse],
    jobs=[load_year_job, publish_job],
    schedules=[nightly_load_schedule],
    sensors=[raw_files_sensor, publish_after_load],
    resources={
        # dbt through a warm process when `followup run` keeps one, else the real dbt (pipelines/dbt_warm.py)
        "dbt": FollowupDbtCli(project_dir=dbt_project, dbt_executable=WARM_DBT),
        "paths": FollowupPaths(),
    },
)
