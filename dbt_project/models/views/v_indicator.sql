-- Each indicator of each goal and year: value against target, status, band, trend and the peer
-- and national comparison (fct_goal_outcome, whose value is null where the cell is suppressed),
-- with the names of the municipality, goal, unit and measure and Swedish labels beside the codes.
select
    o.kommunkod::varchar as kommunkod,
    k.kommun::varchar as kommun,
    o.year::integer as year,
    make_date(o.year, 1, 1)::date as year_date,
    o.goal_id::varchar as goal_id,
    g.name::varchar as goal_name,
    g.level::varchar as goal_level,
    {{ code_label('goal_level', 'g.level') }}::varchar as goal_level_label,
    g.area::varchar as area,
    o.indicator_id::varchar as indicator_id,
    o.sort_order::integer as sort_order,
    o.measure_id::varchar as measure_id,
    m.label::varchar as measure_label,
    m.unit::varchar as measure_unit,
    {{ code_label('measure_unit', 'm.unit') }}::varchar as measure_unit_label,
    o.enhet::varchar as enhet,
    u.namn::varchar as enhet_name,
    o.value::double as value,
    o.target_value::double as target_value,
    o.partly_from::double as partly_from,
    o.direction::varchar as direction,
    {{ code_label('direction', 'o.direction') }}::varchar as direction_label,
    o.status::varchar as status,
    {{ code_label('status', 'o.status') }}::varchar as status_label,
    {{ code_sort_order('status', 'o.status') }}::integer as status_order,
    o.band_label::varchar as band_label,
    o.prev_value::double as prev_value,
    o.change::double as change,
    o.trend::varchar as trend,
    {{ code_label('trend', 'o.trend') }}::varchar as trend_label,
    o.trend_tolerance::double as trend_tolerance,
    o.peer_median::double as peer_median,
    o.peer_rank::integer as peer_rank,
    o.peer_count::integer as peer_count,
    o.national_value::double as national_value,
    o.national_rank::integer as national_rank,
    o.national_count::integer as national_count
from {{ published_ref('fct_goal_outcome') }} o
left join {{ published_ref('dim_goal') }} g
  on g.kommunkod = o.kommunkod and g.year = o.year and g.goal_id = o.goal_id
left join {{ published_ref('dim_kommun') }} k on k.kommunkod = o.kommunkod
left join {{ published_ref('dim_measure') }} m on m.measure_id = o.measure_id
left join {{ published_ref('dim_org_unit') }} u
  on u.kommunkod = o.kommunkod and u.year = o.year and u.enhet = o.enhet
