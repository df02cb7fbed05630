{#- Yearly partitions. Per-year models are incremental: the pre-hook deletes the year, the model
    inserts it again. The year is `--vars '{year: YYYY}'` (by hand), else the environment variable
    FOLLOWUP_YEAR (what each Dagster partition sets), else none = every year.

    FOLLOWUP_YEAR is read only at execution (`execute`), never while dbt parses: a var or env var
    seen at parse time that changes between invocations makes dbt re-parse the whole project
    (~1.6 s per year on this machine), while an unchanged project keeps its partial parse. -#}

{% macro partition_year() -%}
  {%- set year = var('year', none) -%}
  {%- if year is none and execute -%}
    {%- set from_env = env_var('FOLLOWUP_YEAR', '') | trim -%}
    {%- set year = from_env | int if from_env else none -%}
  {%- endif -%}
  {{ return(year) }}
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

{#- Data tests of per-year models carry `config: {where: partition_year}`: at execution that is the
    loaded year's filter (see partition_year), so a year's tests read that year only. Any other
    `where` works as in dbt. -#}
{% macro default__get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- if where == 'partition_year' -%}
    {%- set where = year_filter() -%}
  {%- endif -%}
  {%- if where -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ where ~ ') dbt_subquery') -%}
  {%- else -%}
    {%- do return(relation) -%}
  {%- endif -%}
{%- endmacro %}
