{#- Years. Per-year models are incremental: the pre-hook deletes the years being built, the model
    inserts them again. Which years:
    - by hand: `--vars '{years: [2021, 2022]}'` or `--vars '{year: 2022}'`; without either, every
      year in the raw schema is rebuilt;
    - a followup run: `--vars '{years: run}'`, the years the run wrote to `audit.build_year` before
      it started dbt (one dbt invocation for all of them). The var is the same in every run, so
      dbt keeps its partial parse (a changed var makes dbt parse the whole project again). -#}

{% macro partition_years() -%}
  {%- set years = var('years', none) -%}
  {%- if years == 'run' -%}
    {{ return('run') }}
  {%- endif -%}
  {%- if years is none and var('year', none) is not none -%}
    {%- set years = [var('year')] -%}
  {%- endif -%}
  {%- if years is string -%}
    {%- set years = years.replace('[', '').replace(']', '').split(',') | map('trim') | reject('equalto', '') | list -%}
  {%- endif -%}
  {%- if years is not none -%}
    {%- set years = years | map('int') | list -%}
  {%- endif -%}
  {{ return(years) }}
{%- endmacro %}

{#- `year in (...)` for the years being built (`false` for an empty list), else `true`. -#}
{% macro year_filter(column='year') -%}
  {%- set years = partition_years() -%}
  {%- if years == 'run' -%} {{ column }} in (select year from audit.build_year)
  {%- elif years is none -%} true
  {%- elif years | length == 0 -%} false
  {%- else -%} {{ column }} in ({{ years | join(', ') }})
  {%- endif -%}
{%- endmacro %}

{#- The years being built and the year before each (trend and prev_value read last year's values). -#}
{% macro year_and_previous_filter(column='year') -%}
  {%- set years = partition_years() -%}
  {%- if years == 'run' -%} {{ column }} in (select year from audit.build_year union select year - 1 from audit.build_year)
  {%- elif years is none -%} true
  {%- elif years | length == 0 -%} false
  {%- else -%}
    {%- set both = [] -%}
    {%- for y in years -%}{%- do both.append(y) -%}{%- do both.append(y - 1) -%}{%- endfor -%}
    {{ column }} in ({{ both | unique | sort | join(', ') }})
  {%- endif -%}
{%- endmacro %}

{% macro delete_partition() -%}
  {%- if is_incremental() or (execute and config.get('materialized') == 'incremental_by_year'
                              and load_relation(this) is not none) -%}
    {%- if partition_years() is not none -%}
      delete from {{ this }} where {{ year_filter() }}
    {%- else -%}
      delete from {{ this }}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

{#- Schemas as named (staging, intermediate, marts), not prefixed with the target schema. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
  {{ custom_schema_name if custom_schema_name is not none else target.schema }}
{%- endmacro %}

{#- Data tests of per-year models carry `config: {where: partition_year}`: the years being built
    (see partition_years), so a run's tests read the years it built. Any other `where` works as
    in dbt. -#}
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

{#- Years whose rows may reach the tables that span all years (dim_measure): in a followup run,
    the years that passed their last gate and the years being built now (whose ingest passed), so
    a year that failed its checks adds no label or measure; by hand, every year. -#}
{% macro passed_years_filter(column='year') -%}
  {%- if partition_years() == 'run' -%}
    {{ column }} in (select year from audit.year_gate where passed union select year from audit.build_year)
  {%- else -%} true
  {%- endif -%}
{%- endmacro %}

{#- The rows of one raw survey table for the three surveys: the landing table holds all three,
    and dbt knows it as one source per survey (<survey>_<table>, see _sources.yml), so each
    survey's rows are read through its own source. -#}
{% macro survey_rows(table) -%}
select * from {{ source('raw', 'medarbetarenkat_' ~ table) }} where source = 'medarbetarenkat'
union all
select * from {{ source('raw', 'medborgarundersokning_' ~ table) }} where source = 'medborgarundersokning'
union all
select * from {{ source('raw', 'intern_enkat_' ~ table) }} where source = 'intern_enkat'
{%- endmacro %}
