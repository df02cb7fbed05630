"""Jobs: load (and check) one year; publish every passed year."""
import dagster as dg

from .partitions import year_partitions

load_year_job = dg.define_asset_job(
    "load_year",
    selection=dg.AssetSelection.all() - dg.AssetSelection.assets("published_warehouse"),
    partitions_def=year_partitions,
    description="Ingest, check and model one year (a partition). Publishing is a separate job.",
)

publish_job = dg.define_asset_job(
    "publish",
    selection=dg.AssetSelection.assets("published_warehouse"),
    description="Write the published warehouse from every year that passed its gate.",
)
