"""The dbt build's views, created again only when they can have changed (issue 12).

A view is a stored query: creating it again with the same SQL changes nothing, whatever data a
run loads (its tests, which read the data through it, still run every build). The project has
18 of them (the staging models, two survey models of `intermediate` and the published `v_*`
views), and each costs dbt ~0.1-0.2 s of
its own Python, ~1.3 s of a demo run's ~6 s dbt build. So a run's `dbt build` leaves the views out
(`--exclude config.materialized:view`) when all of these hold:

- the code they are made from is what made them: the dbt project, the ingest code (the raw tables
  the staging views read) and the versions of dbt, dbt-duckdb and DuckDB, as one fingerprint
  recorded by the last build that created them and passed;
- every view of the project is in the build database, with the SQL that build gave it (a hash of
  DuckDB's own `duckdb_views()` text: an analyst's `dbt build` of an edited view into the same
  database makes the next run create it again).

Anything else (a first build, a changed model or macro, an upgrade, a missing or altered view, a
failed build) creates them all, and only a build that passed records the state again.
"""
from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from importlib import metadata
from typing import Any

EXCLUDE = "config.materialized:view"


@functools.cache
def fingerprint() -> str:
    from .plan import code_fingerprints

    versions = [metadata.version(p) for p in ("dbt-core", "dbt-duckdb", "duckdb")]
    return hashlib.sha256("|".join([*code_fingerprints(), *versions]).encode()).hexdigest()[:16]


def expected(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(schema, name) of each view model of the project."""
    return sorted((n["schema"], n["alias"]) for n in manifest["nodes"].values()
                  if n["resource_type"] == "model" and n["config"].get("materialized") == "view")


def _views_hash(con, views: list[tuple[str, str]]) -> str | None:
    """A hash of the SQL DuckDB holds for `views`; None when one of them is missing."""
    rows = {(s, n): sql for s, n, sql in con.execute(
        "select schema_name, view_name, sql from duckdb_views() where not internal and database_name = current_database()").fetchall()}
    if any(v not in rows for v in views):
        return None
    h = hashlib.sha256()
    for v in views:
        h.update(f"{v[0]}.{v[1]}\n{rows[v]}\n".encode())
    return h.hexdigest()[:16]


def unchanged(con, manifest: Mapping[str, Any]) -> bool:
    """True when the build may leave the views out (see the module's text)."""
    row = con.execute("select fingerprint, views from audit.dbt_views").fetchone()
    if row is None or row[0] != fingerprint():
        return False
    return _views_hash(con, expected(manifest)) == row[1]


def forget(con) -> None:
    """The views are about to be created again: whatever happens, they are not known good."""
    con.execute("delete from audit.dbt_views").fetchall()


def record(con, manifest: Mapping[str, Any]) -> None:
    """After a build that created the views and passed."""
    views = _views_hash(con, expected(manifest))
    con.execute("delete from audit.dbt_views").fetchall()
    if views is not None:
        con.execute("insert into audit.dbt_views values (?, ?)", [fingerprint(), views]).fetchall()
