-- HME (Hållbart medarbetarengagemang) of each unit beside the whole municipality's, ten years up
-- to a year (Superset SQL Lab or a virtual dataset; Jinja templating on). Suppressed cells have no
-- value. Each parameter: a dashboard filter on the column, else the URL parameter
-- (?kommun=0884&year=2022&unit=KS), else the default: kommun (kommunkod, one or more, default
-- 0483), year (default 2022), unit (enhet, optional: a unit code; without it, every unit).
{% set kommun = filter_values('kommunkod') or [url_param('kommun', '0483', escape_result=False)] %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set unit = filter_values('enhet') %}
{% if not unit and url_param('unit') %}{% set unit = [url_param('unit', escape_result=False)] %}{% endif %}
select year_date, year, kommun, enhet, enhet_name, niva, value, n_answers, ci_low, ci_high, suppressed,
       kommun_value, difference
from marts.v_unit_survey
where measure_id = 'medarbetarenkat.HME' and kommunkod in {{ kommun | where_in }}
  and year between {{ year }} - 9 and {{ year }}
  {% if unit %}and enhet in {{ unit | where_in }}{% endif %}
order by kommunkod, year, niva, enhet
