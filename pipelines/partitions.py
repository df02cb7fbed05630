"""One partition per year. Years are discovered from the raw files (see `years.py`), so the
partitions are dynamic: the CLI, the sensor and the schedule add the years they find."""
import dagster as dg

year_partitions = dg.DynamicPartitionsDefinition(name="year")
