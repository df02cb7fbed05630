-- Goals not (fully) met, by area and level, with their indicator counts (Metabase native query).
-- Variables: kommun (Text, e.g. 0483), year (Number, e.g. 2022); area (Text, optional).
select area, level_label as level, goal_id, goal_name, status_label as status,
       n_indicators, n_met, n_partly, n_not_met, n_no_value
from marts.v_goal_tree
where kommunkod = {{kommun}} and year = {{year}}
  and status in ('ej uppfyllt', 'delvis uppfyllt')
  [[and area = {{area}}]]
order by area, level_order, sort_order
