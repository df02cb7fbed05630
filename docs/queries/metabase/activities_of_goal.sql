-- The activities of a municipality's goals in a year (Metabase native query), with their status
-- label; locked = decided centrally, mandatory for every unit.
-- Variables: kommun (Text, e.g. 0483), year (Number, e.g. 2022); goal (Text, optional: a goal
-- id such as KF5; without it, every goal's activities).
select a.goal_id, g.name as goal_name, a.activity_id, a.name, a.locked, a.status,
       coalesce(l.label, a.status) as status_label
from marts.fct_activity a
left join marts.dim_goal g on g.kommunkod = a.kommunkod and g.year = a.year and g.goal_id = a.goal_id
left join marts.dim_code_label l on l.domain = 'activity_status' and l.code = a.status
where a.kommunkod = {{kommun}} and a.year = {{year}}
  [[and a.goal_id = {{goal}}]]
order by g.sort_order, a.activity_id
