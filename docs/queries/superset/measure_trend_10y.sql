-- A measure's series for the whole municipality, ten years up to a year (Superset SQL Lab or a
-- virtual dataset; Jinja templating on; year_date is a DATE: a line chart gets a time axis).
-- Suppressed years have no value. Each parameter: a dashboard filter on the column, else the URL
-- parameter (?measure=medarbetarenkat.HME&kommun=0884&year=2022), else the default: measure
-- (measure_id, default medarbetarenkat.HME), kommun (kommunkod, one or more, default 0483), year
-- (optional: without it, every year).
{% set measure = filter_values('measure_id') or [url_param('measure', 'medarbetarenkat.HME', escape_result=False)] %}
{% set kommun = filter_values('kommunkod') or [url_param('kommun', '0483', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year')])[0] %}
select year_date, year, kommun, measure_label, value, n_answers, ci_low, ci_high, suppressed
from marts.v_measure_series
where measure_id in {{ measure | where_in }} and kommunkod in {{ kommun | where_in }}
  and enhet is null and group_type = 'total'
  {% if year %}and year between {{ year | int }} - 9 and {{ year | int }}{% endif %}
order by year_date, kommun
