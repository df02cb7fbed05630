-- Suppression, first pass: the question measures. Each cell of a unit (the municipality's cell
-- standing for the root) carries its unit (owner_key, unit_code) and own_n, the n of the unit's
-- own group (int_survey__question_cells; see suppression_flags in macros/measures.sql); the
-- aggregate pass reads own_n too.
{{ config(materialized='incremental_by_year', on_schema_change='append_new_columns') }}

with cells as (
    select c.* exclude (own_n), l.limit_n, false as forced,
           -- a municipality without a unit tree has no unit, so no own group
           case when c.owner_key is not null then c.own_n end as own_n
    from {{ ref('int_survey__question_cells') }} c
    join {{ ref('int_suppression_limits') }} l using (kommunkod, year)
    where {{ year_filter('c.year') }}
)

{{ suppression_flags('cells', 'question_key') }}
