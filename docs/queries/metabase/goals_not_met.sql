-- Goals not (fully) met, with their indicators (Metabase native query).
-- Variables: kommun (Text, e.g. 0483), year (Number, e.g. 2022); area (Text, optional).
select t.area, t.level_label as level, t.goal_id, t.goal_name, t.status_label as goal_status,
       i.indicator_id, i.measure_label, i.status_label as indicator_status, i.value, i.target_value,
       i.prev_value, i.trend_label as trend, i.peer_rank, i.peer_count
from marts.v_goal_tree t
left join marts.v_indicator i on i.kommunkod = t.kommunkod and i.year = t.year and i.goal_id = t.goal_id
where t.kommunkod = {{kommun}} and t.year = {{year}}
  and t.status in ('ej uppfyllt', 'delvis uppfyllt')
  [[and t.area = {{area}}]]
order by t.sort_order, i.sort_order
