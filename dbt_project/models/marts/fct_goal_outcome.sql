-- One row per indicator of each goal and year: value against target, status, band, trend
-- against last year's value of the same measure, and comparison with peers and the nation.
with v as (
    select * from {{ ref('int_goal__indicator_values') }} where {{ year_filter() }}
)

select
    v.kommunkod::varchar as kommunkod,
    v.year::integer as year,
    v.goal_id::varchar as goal_id,
    v.indicator_id::varchar as indicator_id,
    v.measure_id::varchar as measure_id,
    v.enhet::varchar as enhet,
    v.value::double as value,
    v.target_value::double as target_value,
    v.direction::varchar as direction,
    {{ indicator_status('v.value', 'v.target_value', 'v.partly_from', 'v.direction') }}::varchar as status,
    v.band_label::varchar as band_label,
    v.prev_value::double as prev_value,
    (v.value - v.prev_value)::double as change,
    {{ trend('v.value - v.prev_value', 'v.direction', 'v.trend_tolerance') }}::varchar as trend,
    c.peer_median::double as peer_median,
    c.peer_rank::integer as peer_rank,
    c.peer_count::integer as peer_count,
    c.national_value::double as national_value,
    c.national_rank::integer as national_rank,
    c.national_count::integer as national_count,
    v.partly_from::double as partly_from,
    v.trend_tolerance::double as trend_tolerance,
    v.ordinal::integer as sort_order
from v
left join {{ ref('int_goal__indicator_comparisons') }} c
  on c.indicator_id = v.indicator_id and c.kommunkod = v.kommunkod and c.year = v.year
