-- Suppression, first pass: the question measures. Each cell of a unit (the municipality's cell
-- standing for the root) carries unit_code and own_n, the n of the unit's own group
-- (int_survey__question_cells; see suppression_flags in macros/measures.sql); the aggregate pass
-- reads own_n too.
{{ config(materialized='incremental_by_year', on_schema_change='append_new_columns') }}

with roots as (
    select year, kommunkod, enhet as root
    from {{ ref('stg_organisation__units') }}
    where overordnad is null and {{ year_filter() }}
),

cells as (
    select c.* exclude (own_n), l.limit_n, false as forced,
           case when c.group_type <> 'total' then null
                when c.enhet is null then r.root
                else c.enhet end as unit_code,
           -- a municipality without a unit tree has no unit, so no own group
           case when c.group_type = 'total' and (c.enhet is not null or r.root is not null) then c.own_n end as own_n
    from {{ ref('int_survey__question_cells') }} c
    join {{ ref('int_suppression_limits') }} l using (kommunkod, year)
    left join roots r using (kommunkod, year)
    where {{ year_filter('c.year') }}
)

{{ suppression_flags('cells') }}
