"""What the Dagster UI shows of the dbt project beyond dagster-dbt's defaults.

- Every dbt check gets a description. dbt gives a generic data test none (dagster-dbt shows "No
  description provided"); `check_description` says in words what the test asserts, from its own
  definition in the manifest (the test, its model and column, its arguments, the `where` it
  reads; for a generic test it does not know, the test's description in
  dbt_project/macros/_macros.yml). A data test with a `description` of its own keeps it.
- Row counts and column schemas of the dbt assets: `dbt_asset_metadata` reads them from the build
  database's catalog in three queries (the columns, the tables, one `count(*)` union over the
  tables), with each column's description from the dbt YAML; `with_asset_metadata` adds them to
  the materializations dagster-dbt makes.

Wiring (pipelines/assets/dbt.py): `FollowupTranslator` derives from `DescribedDbtTranslator`;
the metadata needs the build database after dbt has closed it, so the dbt step holds the events
of its build until dbt ends and then yields them with their metadata - one call around the stream:

    invocation = yield from with_table_metadata(
        dbt_runner.stream(args, target, context, _manifest, _translator, dbt_project),
        paths.build_connection, _manifest)
"""
from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from typing import Any

import dagster as dg
import duckdb
from dagster._core.definitions.metadata import TableMetadataSet  # as dagster-dbt imports it (not in dagster's top level)
from dagster_dbt import DagsterDbtTranslator

_WHERE_TEXT = {"partition_year": "the years being built"}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _values(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _ref_name(ref: str) -> str:
    """ref('dim_measure') -> dim_measure (the form dbt keeps in a test's kwargs)."""
    text = str(ref).strip()
    for quote in ("'", '"'):
        if f"ref({quote}" in text:
            return text.split(f"ref({quote}", 1)[1].split(quote, 1)[0]
    return text


def check_description(manifest: Mapping[str, Any], unique_id: str) -> str:
    """What a dbt data test asserts, in words: for a Dagster check of a dbt test without one."""
    node = manifest["nodes"][unique_id]
    if (node.get("description") or "").strip():
        return node["description"].strip()
    meta = node.get("test_metadata") or {}
    kwargs = meta.get("kwargs") or {}
    test = meta.get("name") or node["name"]
    attached = manifest["nodes"].get(node.get("attached_node") or "", {})
    model = attached.get("name") or node["name"]
    column = node.get("column_name") or kwargs.get("column_name")
    target = f"{model}.{column}" if column else model
    if test == "not_null":
        text = f"{target} is never null."
    elif test == "unique":
        text = f"No two rows of {model} have the same {column}."
    elif test == "accepted_values":
        text = f"{target} is one of: {_values(kwargs.get('values', []))}."
    elif test == "relationships":
        text = f"Every {target} is a {kwargs.get('field')} of {_ref_name(kwargs.get('to', ''))}."
    elif test == "unique_combination":
        text = f"No two rows of {model} have the same ({_values(kwargs.get('columns', []))})."
    elif test == "value_between":
        text = f"{target} lies between {kwargs.get('min_value')} and {kwargs.get('max_value')}, both included."
    elif test == "finite":
        text = f"{target} is a finite number wherever it has a value: nothing NaN or infinite is published."
    else:  # another generic test: its macro's description (dbt_project/macros/_macros.yml)
        macro = manifest.get("macros", {}).get(f"macro.{meta.get('namespace') or node['package_name']}.test_{test}", {})
        text = f"{test} on {target}: {(macro.get('description') or '').strip() or 'a dbt test'}"
        text = text if text.endswith(".") else text + "."
    where = (node.get("config") or {}).get("where")
    if where:
        text += f" Reads {_WHERE_TEXT.get(where, 'the rows where ' + where)}."
    severity = ((node.get("config") or {}).get("severity") or "error").lower()
    text += " A failure fails the gate of the years built." if severity == "error" else " A failure is a warning."
    return text


class DescribedDbtTranslator(DagsterDbtTranslator):
    """dagster-dbt's translator, with a description on every check made from a dbt test."""

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return dg.AssetCheckSpec(
            name=spec.name, asset=spec.asset_key, description=check_description(manifest, unique_id),
            additional_deps=spec.additional_deps, blocking=spec.blocking, metadata=spec.metadata,
            automation_condition=spec.automation_condition, partitions_def=spec.partitions_def)


def _relations(manifest: Mapping[str, Any]) -> dict[tuple[str, str], Mapping[str, Any]]:
    """(schema, identifier) -> the model, seed or snapshot built there."""
    out = {}
    for node in manifest["nodes"].values():
        if node["resource_type"] in ("model", "seed", "snapshot"):
            out[(node["schema"], node.get("alias") or node["name"])] = node
    return out


def dbt_asset_metadata(con: duckdb.DuckDBPyConnection, manifest: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Per dbt unique_id of each model and seed in the database `con` is connected to: its column
    schema (the database's columns and types, the YAML's descriptions) as `dagster/column_schema`
    and, for a table, its number of rows as `dagster/row_count` (a view has no stored rows: counting
    one would run it). Three catalog queries for the whole project, whatever its size."""
    relations = _relations(manifest)
    schemas = sorted({schema for schema, _ in relations})
    if not schemas:
        return {}
    columns: dict[str, list[dg.TableColumn]] = {}
    for schema, table, column, data_type, nullable in con.execute(
            """select schema_name, table_name, column_name, data_type, is_nullable from duckdb_columns()
               where database_name = current_database() and schema_name in (select unnest(?::varchar[]))
               order by schema_name, table_name, column_index""", [schemas]).fetchall():
        node = relations.get((schema, table))
        if node is None:
            continue
        described = (node.get("columns") or {}).get(column, {})
        columns.setdefault(node["unique_id"], []).append(dg.TableColumn(
            name=column, type=data_type, description=described.get("description") or None,
            constraints=dg.TableColumnConstraints(nullable=bool(nullable))))
    tables = [(schema, table) for schema, table in con.execute(
        """select schema_name, table_name from duckdb_tables()
           where database_name = current_database() and schema_name in (select unnest(?::varchar[]))""",
        [schemas]).fetchall() if (schema, table) in relations]
    counts: dict[str, int] = {}
    if tables:
        # estimated_size would be one catalog read, but it keeps counting deleted rows (DuckDB 2.0),
        # and every per-year model deletes the years it rebuilds: one exact count per table instead
        union = " union all ".join(f"select {i} as i, count(*) as n from {_quote(s)}.{_quote(t)}"
                                   for i, (s, t) in enumerate(tables))
        for i, n in con.execute(union).fetchall():
            counts[relations[tables[i]]["unique_id"]] = n
    out: dict[str, dict[str, Any]] = {}
    for unique_id in columns.keys() | counts.keys():
        out[unique_id] = dict(TableMetadataSet(
            column_schema=dg.TableSchema(columns=columns[unique_id]) if unique_id in columns else None,
            row_count=counts.get(unique_id)))
    return out


def with_asset_metadata(events: Iterable[Any], metadata: Mapping[str, Mapping[str, Any]]) -> Iterator[Any]:
    """The events of a dagster-dbt stream, each materialization (an Output or AssetMaterialization,
    which carry the dbt `unique_id` in their metadata) with the metadata of its dbt node added."""
    for event in events:
        if isinstance(event, (dg.Output, dg.AssetMaterialization)):
            unique_id = event.metadata.get("unique_id")
            unique_id = getattr(unique_id, "value", unique_id)
            extra = metadata.get(unique_id) if unique_id else None
            if extra:
                event = event.with_metadata({**event.metadata, **extra})
        yield event


def with_table_metadata(stream: Generator[Any, None, Any], connect: Callable[[], Any],
                        manifest: Mapping[str, Any]) -> Generator[Any, None, Any]:
    """The events of a dbt event stream (a generator that returns a value when dbt ends, as
    pipelines/dbt_runner.stream does), yielded once the stream has ended, each materialization
    with its row count and columns (read through `connect()`, a context manager giving a DuckDB
    connection to the build database); returns the stream's own value. Events are held until
    dbt ends: dbt holds the build database while it runs."""
    events = []
    while True:
        try:
            events.append(next(stream))
        except StopIteration as done:
            value = done.value
            break
    with connect() as con:
        metadata = dbt_asset_metadata(con, manifest)
    yield from with_asset_metadata(events, metadata)
    return value
