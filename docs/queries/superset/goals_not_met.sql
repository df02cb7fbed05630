-- Goals not (fully) met, with their indicators (Superset SQL Lab, Jinja templating on).
-- Parameters: a dashboard filter on the column, else the URL parameter, else the default:
-- kommun (kommunkod, default 0483), year (default 2022), area (optional).
{% set kommun = (filter_values('kommunkod') or [url_param('kommun', '0483')])[0] | replace("'", "''") %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set area = (filter_values('area') or [url_param('area')])[0] %}
select t.area, t.level_label as level, t.goal_id, t.goal_name, t.status_label as goal_status,
       i.indicator_id, i.measure_label, i.status_label as indicator_status, i.value, i.target_value,
       i.prev_value, i.trend_label as trend, i.peer_rank, i.peer_count
from marts.v_goal_tree t
left join marts.v_indicator i on i.kommunkod = t.kommunkod and i.year = t.year and i.goal_id = t.goal_id
where t.kommunkod = '{{ kommun }}' and t.year = {{ year }}
  and t.status in ('ej uppfyllt', 'delvis uppfyllt')
  {% if area %}and t.area = '{{ area | replace("'", "''") }}'{% endif %}
order by t.sort_order, i.sort_order
