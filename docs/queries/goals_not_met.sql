-- Which goals of municipality $1 were not (fully) met in year $2, at which level and in which
-- area; for each of their indicators: status, value, target, last year's value, trend, peer rank.
-- Plain DuckDB with prepared-statement parameters ($1 kommunkod, $2 year), e.g. from Python:
--   con.execute(open("docs/queries/goals_not_met.sql").read(), ["0483", 2022])
-- Metabase and Superset forms: metabase/goals_not_met.sql, superset/goals_not_met.sql.
select t.area, t.level_label as level, t.goal_id, t.goal_name, t.status_label as goal_status,
       i.indicator_id, i.measure_label, i.status_label as indicator_status, i.value, i.target_value,
       i.prev_value, i.trend_label as trend, i.peer_rank, i.peer_count
from marts.v_goal_tree t
left join marts.v_indicator i on i.kommunkod = t.kommunkod and i.year = t.year and i.goal_id = t.goal_id
where t.kommunkod = $1 and t.year = $2
  and t.status in ('ej uppfyllt', 'delvis uppfyllt')
order by t.sort_order, i.sort_order
