-- Each goal's roll-up over the indicators of the goal and of every goal below it.
with recursive goals as (
    select * from {{ ref('dim_goal') }} where {{ year_filter() }}
),

below as (
    select kommunkod, year, goal_id, goal_id as descendant from goals
    union all
    select b.kommunkod, b.year, b.goal_id, g.goal_id as descendant
    from below b
    join goals g on g.kommunkod = b.kommunkod and g.year = b.year and g.parent_goal_id = b.descendant
),

counts as (
    select b.kommunkod, b.year, b.goal_id,
           count(o.indicator_id) as n_indicators,
           count(*) filter (where o.status = 'uppfyllt') as n_met,
           count(*) filter (where o.status = 'delvis uppfyllt') as n_partly,
           count(*) filter (where o.status = 'ej uppfyllt') as n_not_met,
           count(*) filter (where o.status = 'kan ej bedömas') as n_no_value
    from below b
    left join {{ ref('fct_goal_outcome') }} o
      on o.kommunkod = b.kommunkod and o.year = b.year and o.goal_id = b.descendant
    group by all
)

select
    g.kommunkod, g.year, g.goal_id, g.parent_goal_id, g.level, g.area,
    (case
        when c.n_met + c.n_partly + c.n_not_met = 0 then 'kan ej bedömas'
        when c.n_partly + c.n_not_met = 0 then 'uppfyllt'
        when c.n_met + c.n_partly = 0 then 'ej uppfyllt'
        else 'delvis uppfyllt'
    end)::varchar as status,
    c.n_indicators::integer as n_indicators,
    c.n_met::integer as n_met,
    c.n_partly::integer as n_partly,
    c.n_not_met::integer as n_not_met,
    c.n_no_value::integer as n_no_value
from goals g
join counts c using (kommunkod, year, goal_id)
