-- Which goals of municipality $1 were not (fully) met in year $2, at which level and in which
-- area; for each of their indicators: status, value, last year's value, trend, peer rank.
select g.goal_id, g.level, g.area, s.status as goal_status, g.name,
       o.indicator_id, o.status as indicator_status, o.value, o.prev_value, o.trend,
       o.peer_rank, o.peer_count
from marts.fct_goal_status s
join marts.dim_goal g using (kommunkod, year, goal_id)
left join marts.fct_goal_outcome o using (kommunkod, year, goal_id)
where s.kommunkod = $1 and s.year = $2
  and s.status in ('ej uppfyllt', 'delvis uppfyllt')
order by g.sort_order, o.sort_order
