-- Goals not (fully) met, by area and level, with their indicator counts (Superset SQL Lab or a
-- virtual dataset; Jinja templating on). Each parameter: a dashboard filter on the column, else
-- the URL parameter (?kommun=0884&year=2021&area=Service), else the default: kommun (kommunkod,
-- one or more, default 0483), year (default 2022), area (optional).
{% set kommun = filter_values('kommunkod') or [url_param('kommun', '0483', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set area = filter_values('area') %}
{% if not area and url_param('area') %}{% set area = [url_param('area', escape_result=False)] %}{% endif %}
select kommun, area, level_label as level, goal_id, goal_name, status_label as status,
       n_indicators, n_met, n_partly, n_not_met, n_no_value
from marts.v_goal_tree
where kommunkod in {{ kommun | where_in }} and year = {{ year }}
  and status in ('ej uppfyllt', 'delvis uppfyllt')
  {% if area %}and area in {{ area | where_in }}{% endif %}
order by kommunkod, area, level_order, sort_order
