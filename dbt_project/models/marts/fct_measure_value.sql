-- Every measure cell (contract sections 3 and 5): survey questions, survey aggregates and Kolada.
-- Suppressed cells keep their row and n_answers; value and interval are null.
-- A view (issue 16): its rows are stored once, in the two suppressed tables, and written to the
-- published file's table of the same name by the publish; a table here would copy every cell of
-- the years built (~4.5 s of a national build) for nothing. It names its inputs without the build's
-- catalog (published_ref), so it also binds where the publish attaches the build under another name.
{{ config(materialized='view') }}
with survey as (
    select measure_id, kommunkod, year, enhet, group_type, group_value,
           case when suppressed then null else value end as value,
           n_answers,
           case when suppressed then null else ci_low end as ci_low,
           case when suppressed then null else ci_high end as ci_high,
           suppressed
    from {{ published_ref('int_survey__question_cells_suppressed') }}
    union all
    select measure_id, kommunkod, year, enhet, group_type, group_value,
           case when suppressed then null else value end,
           n_answers, null, null, suppressed
    from {{ published_ref('int_survey__aggregate_cells_suppressed') }}
),

kolada as (
    select measure_id, kommunkod, year, null::varchar as enhet,
           case when gender = 'T' then 'total' else 'kon' end as group_type,
           case gender when 'T' then 'Totalt' else gender end as group_value,
           value, null::bigint as n_answers, null::double as ci_low, null::double as ci_high,
           false as suppressed
    from {{ published_ref('stg_kolada__values') }}
)

select
    measure_id::varchar as measure_id,
    kommunkod::varchar as kommunkod,
    year::integer as year,
    enhet::varchar as enhet,
    group_type::varchar as group_type,
    group_value::varchar as group_value,
    value::double as value,
    n_answers::bigint as n_answers,
    ci_low::double as ci_low,
    ci_high::double as ci_high,
    suppressed::boolean as suppressed
from (
    select * from survey
    union all
    select * from kolada
) cells
