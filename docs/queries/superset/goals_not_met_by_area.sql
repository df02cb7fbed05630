-- Goals not (fully) met, by area and level, with their indicator counts (Superset SQL Lab, Jinja).
-- Parameters: a dashboard filter on the column, else the URL parameter, else the default:
-- kommun (kommunkod, default 0483), year (default 2022), area (optional).
{% set kommun = (filter_values('kommunkod') or [url_param('kommun', '0483')])[0] | replace("'", "''") %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set area = (filter_values('area') or [url_param('area')])[0] %}
select area, level_label as level, goal_id, goal_name, status_label as status,
       n_indicators, n_met, n_partly, n_not_met, n_no_value
from marts.v_goal_tree
where kommunkod = '{{ kommun }}' and year = {{ year }}
  and status in ('ej uppfyllt', 'delvis uppfyllt')
  {% if area %}and area = '{{ area | replace("'", "''") }}'{% endif %}
order by area, level_order, sort_order
