{#- The published views (models/views) are stored in followup.duckdb as SQL text, so they must
    name their tables without the build database's catalog: `marts.fct_goal_status`, which a
    reader resolves in the file the view is in, never `"build"."marts"."fct_goal_status"` (DuckDB
    2.0 drops a view's own catalog from the SQL it stores; DuckDB 1.5 keeps it). Every view reads
    its tables through published_ref (dbt still sees the ref for the DAG); the publish refuses a
    view that does not bind in the new file. -#}
{% macro published_ref(name) -%}
  {{ ref(name).include(database=False) }}
{%- endmacro %}

{#- The Swedish display label of `code` in `domain` (seed code_labels, published as
    marts.dim_code_label); the code itself where the seed has none. -#}
{% macro code_label(domain, code) -%}
  coalesce((select l.label from {{ published_ref('dim_code_label') }} l
            where l.domain = '{{ domain }}' and l.code = {{ code }}), {{ code }})
{%- endmacro %}

{#- The display order of `code` in `domain` (1 first); null where the seed has none. -#}
{% macro code_sort_order(domain, code) -%}
  (select l.sort_order from {{ published_ref('dim_code_label') }} l
    where l.domain = '{{ domain }}' and l.code = {{ code }})
{%- endmacro %}
