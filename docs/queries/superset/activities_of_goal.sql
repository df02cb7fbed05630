-- The activities of a municipality's goals in a year (Superset SQL Lab, Jinja), with their status
-- label; locked = decided centrally, mandatory for every unit.
-- Parameters: a dashboard filter on the column, else the URL parameter, else the default:
-- kommun (kommunkod, default 0483), year (default 2022), goal (goal_id, optional: a goal id such
-- as KF5; without it, every goal's activities).
{% set kommun = (filter_values('kommunkod') or [url_param('kommun', '0483')])[0] | replace("'", "''") %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set goal = (filter_values('goal_id') or [url_param('goal')])[0] %}
select a.goal_id, g.name as goal_name, a.activity_id, a.name, a.locked, a.status,
       coalesce(l.label, a.status) as status_label
from marts.fct_activity a
left join marts.dim_goal g on g.kommunkod = a.kommunkod and g.year = a.year and g.goal_id = a.goal_id
left join marts.dim_code_label l on l.domain = 'activity_status' and l.code = a.status
where a.kommunkod = '{{ kommun }}' and a.year = {{ year }}
  {% if goal %}and a.goal_id = '{{ goal | replace("'", "''") }}'{% endif %}
order by g.sort_order, a.activity_id
