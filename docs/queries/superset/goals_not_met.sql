-- Goals not (fully) met, with their indicators (Superset SQL Lab or a virtual dataset; Jinja
-- templating on). Each parameter: a dashboard filter on the column, else the URL parameter
-- (?kommun=0884&year=2021&area=Service), else the default: kommun (kommunkod, one or more,
-- default 0483), year (default 2022), area (optional).
{% set kommun = filter_values('kommunkod') or [url_param('kommun', '0483', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set area = filter_values('area') %}
{% if not area and url_param('area') %}{% set area = [url_param('area', escape_result=False)] %}{% endif %}
select t.kommun, t.area, t.level_label as level, t.goal_id, t.goal_name, t.status_label as goal_status,
       i.indicator_id, i.measure_label, i.status_label as indicator_status, i.value, i.target_value,
       i.prev_value, i.trend_label as trend, i.peer_rank, i.peer_count
from marts.v_goal_tree t
left join marts.v_indicator i on i.kommunkod = t.kommunkod and i.year = t.year and i.goal_id = t.goal_id
where t.kommunkod in {{ kommun | where_in }} and t.year = {{ year }}
  and t.status in ('ej uppfyllt', 'delvis uppfyllt')
  {% if area %}and t.area in {{ area | where_in }}{% endif %}
order by t.kommunkod, t.sort_order, i.sort_order
