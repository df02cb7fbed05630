{#- Yearly partitions: each Dagster partition runs `dbt build --vars '{year: YYYY}'`.
    Per-year models are incremental: the pre-hook deletes the year, the model inserts it again. -#}

{% macro partition_year() -%}
  {{ return(var('year', none)) }}
{%- endmacro %}

{% macro year_filter(column='year') -%}
  {%- if partition_year() is not none -%} {{ column }} = {{ partition_year() }} {%- else -%} true {%- endif -%}
{%- endmacro %}

{% macro delete_partition() -%}
  {%- if is_incremental() -%}
    {%- if partition_year() is not none -%}
      delete from {{ this }} where year = {{ partition_year() }}
    {%- else -%}
      delete from {{ this }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{#- Schemas as named (staging, intermediate, marts), not prefixed with the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}
