-- The national ranking of a Kolada key figure (Superset SQL Lab or a virtual dataset; Jinja
-- templating on): every municipality with a value, 1 = the highest, with Riket's value. Each
-- parameter: a dashboard filter on the column, else the URL parameter (?kpi=kolada.U00200&year=2021),
-- else the default: kpi (measure_id, default kolada.U00200), year (optional: without it, the key
-- figure's latest year).
{% set kpi = filter_values('measure_id') or [url_param('kpi', 'kolada.U00200', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year')])[0] %}
select v.national_rank, v.kommun, v.lan, v.value, v.national_count, v.riket_value, v.year, v.measure_label
from marts.v_kolada_ranking v
where v.measure_id in {{ kpi | where_in }}
  and v.year = {% if year %}{{ year | int }}{% else %}(select max(r.year) from marts.v_kolada_ranking r where r.measure_id = v.measure_id){% endif %}
order by v.measure_id, v.national_rank, v.kommun
