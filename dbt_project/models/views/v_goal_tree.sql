-- The goal tree of each municipality and year: every goal with its name, level, area, unit and
-- parent, its status over the indicators of the goal and every goal below it, and their counts;
-- names and Swedish labels beside the codes. One select: where kommunkod = ... and year = ...
select
    g.kommunkod::varchar as kommunkod,
    k.kommun::varchar as kommun,
    g.year::integer as year,
    make_date(g.year, 1, 1)::date as year_date,
    g.goal_id::varchar as goal_id,
    g.name::varchar as goal_name,
    g.level::varchar as level,
    {{ code_label('goal_level', 'g.level') }}::varchar as level_label,
    {{ code_sort_order('goal_level', 'g.level') }}::integer as level_order,
    g.area::varchar as area,
    g.enhet::varchar as enhet,
    u.namn::varchar as enhet_name,
    g.parent_goal_id::varchar as parent_goal_id,
    p.name::varchar as parent_goal_name,
    s.status::varchar as status,
    {{ code_label('status', 's.status') }}::varchar as status_label,
    {{ code_sort_order('status', 's.status') }}::integer as status_order,
    s.n_indicators::integer as n_indicators,
    s.n_met::integer as n_met,
    s.n_partly::integer as n_partly,
    s.n_not_met::integer as n_not_met,
    s.n_no_value::integer as n_no_value,
    g.sort_order::integer as sort_order
from {{ published_ref('dim_goal') }} g
left join {{ published_ref('fct_goal_status') }} s
  on s.kommunkod = g.kommunkod and s.year = g.year and s.goal_id = g.goal_id
left join {{ published_ref('dim_goal') }} p
  on p.kommunkod = g.kommunkod and p.year = g.year and p.goal_id = g.parent_goal_id
left join {{ published_ref('dim_kommun') }} k on k.kommunkod = g.kommunkod
left join {{ published_ref('dim_org_unit') }} u
  on u.kommunkod = g.kommunkod and u.year = g.year and u.enhet = g.enhet
