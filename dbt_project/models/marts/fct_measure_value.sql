-- Every measure cell (contract sections 3 and 5): survey questions, survey aggregates and Kolada.
-- Suppressed cells keep their row and n_answers; value and interval are null.
with survey as (
    select measure_id, kommunkod, year, enhet, group_type, group_value,
           case when suppressed then null else value end as value,
           n_answers,
           case when suppressed then null else ci_low end as ci_low,
           case when suppressed then null else ci_high end as ci_high,
           suppressed
    from {{ ref('int_survey__question_cells_suppressed') }}
    where {{ year_filter() }}
    union all
    select measure_id, kommunkod, year, enhet, group_type, group_value,
           case when suppressed then null else value end,
           n_answers, null, null, suppressed
    from {{ ref('int_survey__aggregate_cells_suppressed') }}
    where {{ year_filter() }}
),

kolada as (
    select measure_id, kommunkod, year, null::varchar as enhet,
           case when gender = 'T' then 'total' else 'kon' end as group_type,
           case gender when 'T' then 'Totalt' else gender end as group_value,
           value, null::bigint as n_answers, null::double as ci_low, null::double as ci_high,
           false as suppressed
    from {{ ref('stg_kolada__values') }}
    where {{ year_filter() }}
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
