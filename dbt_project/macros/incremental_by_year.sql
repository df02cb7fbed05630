{#- An incremental materialization that builds a followup run's years one statement a year.

    The big survey models (int_survey__*) group millions of rows a national year. With the ten
    survey years of a national build in one statement their hash tables do not fit DuckDB's
    memory limit and spill to disk (int_survey__question_cells: 61.6 s for the ten years in one
    statement, 21.2 s as ten; with a higher limit the one statement runs out of memory instead).
    So in a followup run (`--vars '{years: run}'`) this materialization runs the model's SQL once
    for each year being built: year_filter()'s `in (select year from audit.build_year)` in the
    compiled SQL becomes `in (<year>)`, one year after the other. The rows are the same (every
    model that uses it joins on the year); only the memory each statement needs is a year's.

    Otherwise it does what dbt's incremental materialization does with the append strategy: the
    pre-hook (delete_partition) deletes the years being built, the rows are appended (`insert ...
    by name`), a new model creates its table, `--full-refresh` drops it first, and
    `on_schema_change` applies as in dbt (checked on the first year's rows). By hand (`--vars
    '{years: [2021, 2022]}'`, or every year without a var) the model's SQL runs as one statement. -#}
{% materialization incremental_by_year, adapter='duckdb' %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing = load_cached_relation(this) -%}
  {%- if existing is not none and should_full_refresh() -%}
    {%- do adapter.drop_relation(existing) -%}
    {%- set existing = none -%}
  {%- endif -%}

  {%- set marker = 'in (select year from audit.build_year)' -%}
  {%- set statements = [] -%}
  {%- if partition_years() == 'run' and marker in compiled_code -%}
    {%- for row in run_query('select year from audit.build_year order by year') -%}
      {%- do statements.append(compiled_code.replace(marker, 'in (' ~ row[0] ~ ')')) -%}
    {%- endfor -%}
  {%- endif -%}
  {%- if statements | length == 0 -%}
    {%- do statements.append(compiled_code) -%}
  {%- endif -%}

  {{ run_hooks(pre_hooks, inside_transaction=False) }}
  {{ run_hooks(pre_hooks, inside_transaction=True) }}

  {%- set steps = [] -%}
  {%- set temps = [] -%}
  {%- if existing is none -%}
    {%- do steps.append(create_table_as(False, target_relation, statements[0])) -%}
    {%- set rest = statements[1:] -%}
  {%- else -%}
    {%- set on_schema_change = incremental_validate_on_schema_change(config.get('on_schema_change'), default='ignore') -%}
    {%- if on_schema_change != 'ignore' -%}
      {#- the first year's rows in a temporary table: its columns against the table's -#}
      {%- set temp_relation = make_temp_relation(target_relation) -%}
      {%- do run_query(create_table_as(True, temp_relation, statements[0])) -%}
      {%- do temps.append(temp_relation) -%}
      {%- do process_schema_changes(on_schema_change, temp_relation, existing) -%}
      {%- do steps.append('insert into ' ~ target_relation ~ ' by name select * from ' ~ temp_relation) -%}
      {%- set rest = statements[1:] -%}
    {%- else -%}
      {%- set rest = statements -%}
    {%- endif -%}
  {%- endif -%}
  {%- for sql in rest -%}
    {%- do steps.append('insert into ' ~ target_relation ~ ' by name select * from (' ~ sql ~ ') as year_rows') -%}
  {%- endfor -%}

  {%- for step in steps[:-1] -%}
    {%- call statement('year_' ~ loop.index) -%} {{ step }} {%- endcall -%}
  {%- endfor -%}
  {%- call statement('main') -%} {{ steps[-1] }} {%- endcall -%}
  {%- for temp in temps -%}
    {%- do adapter.drop_relation(temp) -%}
  {%- endfor -%}

  {{ run_hooks(post_hooks, inside_transaction=True) }}
  {% do adapter.commit() %}
  {{ run_hooks(post_hooks, inside_transaction=False) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
