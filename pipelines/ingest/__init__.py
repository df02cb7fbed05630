"""Landing raw files in the build database, under the contract's file rules (section 2)."""
from __future__ import annotations

from pathlib import Path

import duckdb

from .issues import Issue, IssueLog
from .kolada import load_kolada, load_kpi_titles
from .styrmodell import load_styrmodell
from .surveys import load_answers, load_organisation

SCHEMA_SQL = (Path(__file__).parent / "schema.sql").read_text(encoding="utf-8")


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    # A build database from before survey answers landed aggregated holds raw.respondent and
    # raw.answer (one row per respondent and per answer): drop them. Each year's load state names
    # the ingest code it was loaded with, so `followup run` loads those years again and
    # `followup publish` does not rebuild them from tables that are gone (pipelines/plan.py).
    # A build database from before the answers landed as sums per group and question holds
    # raw.answer_count (one row per group, question and answer code): dropped the same way.
    for old in ("answer", "respondent", "answer_count"):
        con.execute(f"drop table if exists raw.{old}").fetchall()
    if con.execute("""select count(*) from duckdb_tables() t where schema_name = 'raw' and table_name = 'respondent_group'
                      and not exists (select 1 from duckdb_columns() c where c.table_oid = t.table_oid and c.column_name = 'grp')
                   """).fetchall()[0][0]:
        con.execute("drop table raw.respondent_group").fetchall()  # before grp
    if con.execute("select count(*) from duckdb_schemas() where schema_name = 'staging'").fetchall()[0][0]:
        for old in ("stg_survey__answers", "stg_survey__respondents", "stg_survey__answer_counts"):  # the models that read them
            con.execute(f"drop view if exists staging.{old}").fetchall()
    con.execute(SCHEMA_SQL).fetchall()


def ingest(con: duckdb.DuckDBPyConnection, root: Path, source: str, year: int) -> tuple[int, list[Issue]]:
    """Land one source's files of one year; return (rows landed, issues found)."""
    log = IssueLog(year, source)
    if source == "organisation":
        n = load_organisation(con, root, year, log)
    elif source == "styrmodell":
        n = load_styrmodell(con, root, year, log)
    elif source == "kolada":
        load_kpi_titles(con, root, log)
        n = load_kolada(con, root, year, log)
    else:
        n = load_answers(con, root, source, year, log)
    record_issues(con, year, source, log.issues)
    return n, log.issues


def record_issues(con, year: int, source: str, issues: list[Issue]) -> None:
    """Replace the findings of one (year, source) load."""
    con.execute("delete from audit.issue where year = ? and source = ?", [year, source]).fetchall()
    insert_issues(con, issues)


def insert_issues(con, issues: list[Issue]) -> None:
    """Insert findings, a few hundred rows a statement (DuckDB's executemany runs one statement a
    row: ~0.3 ms each, seconds for a national gate's ~20,000 warnings)."""
    for start in range(0, len(issues), 500):
        chunk = issues[start:start + 500]
        con.execute("insert into audit.issue values " + ", ".join(["(?, ?, ?, ?, ?, ?, ?, ?)"] * len(chunk)),
                    [v for i in chunk for v in (i.year, i.source, i.file, i.row, i.column, i.rule, i.message, i.severity)]).fetchall()
