-- The national ranking of a Kolada key figure (Superset SQL Lab, Jinja): every municipality with
-- a value, 1 = the highest, with Riket's value.
-- Parameters: a dashboard filter on the column, else the URL parameter, else the default:
-- kpi (measure_id, default kolada.U00200), year (optional: without it, the key figure's latest year).
{% set kpi = (filter_values('measure_id') or [url_param('kpi', 'kolada.U00200')])[0] | replace("'", "''") %}
{% set year = (filter_values('year') or [url_param('year')])[0] %}
select national_rank, kommun, lan, value, national_count, riket_value, year, measure_label
from marts.v_kolada_ranking
where measure_id = '{{ kpi }}'
  and year = {% if year %}{{ year | int }}{% else %}(select max(year) from marts.v_kolada_ranking where measure_id = '{{ kpi }}'){% endif %}
order by national_rank, kommun
