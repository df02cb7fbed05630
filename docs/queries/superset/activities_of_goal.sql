-- The activities of a municipality's goals in a year (Superset SQL Lab or a virtual dataset;
-- Jinja templating on), with their status label; locked = decided centrally, mandatory for every
-- unit. Each parameter: a dashboard filter on the column, else the URL parameter
-- (?kommun=0884&year=2021&goal=KF5), else the default: kommun (kommunkod, one or more, default
-- 0483), year (default 2022), goal (goal_id, optional: without it, every goal's activities).
{% set kommun = filter_values('kommunkod') or [url_param('kommun', '0483', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set goal = filter_values('goal_id') %}
{% if not goal and url_param('goal') %}{% set goal = [url_param('goal', escape_result=False)] %}{% endif %}
select a.kommunkod, a.goal_id, g.name as goal_name, a.activity_id, a.name, a.locked, a.status,
       coalesce(l.label, a.status) as status_label
from marts.fct_activity a
left join marts.dim_goal g on g.kommunkod = a.kommunkod and g.year = a.year and g.goal_id = a.goal_id
left join marts.dim_code_label l on l.domain = 'activity_status' and l.code = a.status
where a.kommunkod in {{ kommun | where_in }} and a.year = {{ year }}
  {% if goal %}and a.goal_id in {{ goal | where_in }}{% endif %}
order by a.kommunkod, g.sort_order, a.activity_id
