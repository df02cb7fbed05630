"""Where things are: the contract's environment variables and the project's own paths."""
from __future__ import annotations

import csv
import functools
import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# A checkout (or an editable install): the folder above the package. An installed wheel: the
# package's own copy of dbt_project/ and dagster.yaml (pipelines/project, see pyproject.toml).
PROJECT_ROOT = PACKAGE_DIR.parent if (PACKAGE_DIR.parent / "dbt_project" / "dbt_project.yml").is_file() else PACKAGE_DIR / "project"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
SEEDS_DIR = DBT_PROJECT_DIR / "seeds"

SURVEY_SOURCES = ("medarbetarenkat", "medborgarundersokning", "intern_enkat")
YEAR_SOURCES = ("organisation", "styrmodell", *SURVEY_SOURCES)
ALL_SOURCES = (*YEAR_SOURCES, "kolada")


def raw_dir() -> Path:
    """FOLLOWUP_RAW_DIR (default raw/), relative to the working directory or absolute."""
    return Path(os.environ.get("FOLLOWUP_RAW_DIR", "raw")).expanduser().resolve()


def warehouse_dir() -> Path:
    return Path(os.environ.get("FOLLOWUP_WAREHOUSE_DIR", "warehouse")).expanduser().resolve()


def build_dir() -> Path:
    """The pipeline's private working area (staging database, dbt target state). Never read by BI tools."""
    return warehouse_dir() / ".build"


def build_db_path() -> Path:
    return build_dir() / "build.duckdb"


def published_path() -> Path:
    return warehouse_dir() / "followup.duckdb"


def duckdb_memory_limit() -> str:
    """DuckDB's memory limit for the pipeline's own connections and dbt's (FOLLOWUP_DUCKDB_MEMORY_LIMIT,
    default 1500MB). DuckDB's default, 80 % of RAM, let a national year's ingest hold 3 GB where
    1 GB costs ~6 % more time (docs/performance.md); larger work spills to disk."""
    return os.environ.get("FOLLOWUP_DUCKDB_MEMORY_LIMIT", "1500MB")


def reports_dir() -> Path:
    return warehouse_dir() / "reports"


@functools.cache
def kommun_codes() -> frozenset[str]:
    with open(SEEDS_DIR / "kommuner.csv", encoding="utf-8") as f:
        return frozenset(r["kommunkod"] for r in csv.DictReader(f))


@functools.cache
def region_codes() -> frozenset[str]:
    with open(SEEDS_DIR / "regioner.csv", encoding="utf-8") as f:
        return frozenset(r["kod"] for r in csv.DictReader(f))


def valid_area_codes() -> frozenset[str]:
    """Codes a Kolada row may carry: a municipality, a region (00 + county) or 0000 (Riket)."""
    return kommun_codes() | region_codes() | {"0000"}
