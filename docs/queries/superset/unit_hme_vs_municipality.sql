-- HME (Hållbart medarbetarengagemang) of each unit beside the whole municipality's, ten years up
-- to a year (Superset SQL Lab, Jinja). Suppressed cells have no value.
-- Parameters: a dashboard filter on the column, else the URL parameter, else the default:
-- kommun (kommunkod, default 0483), year (default 2022), unit (enhet, optional: a unit code such
-- as KS; without it, every unit).
{% set kommun = (filter_values('kommunkod') or [url_param('kommun', '0483')])[0] | replace("'", "''") %}
{% set year = (filter_values('year') or [url_param('year', '2022')])[0] | int %}
{% set unit = (filter_values('enhet') or [url_param('unit')])[0] %}
select year_date, year, enhet, enhet_name, niva, value, n_answers, ci_low, ci_high, suppressed,
       kommun_value, difference
from marts.v_unit_survey
where measure_id = 'medarbetarenkat.HME' and kommunkod = '{{ kommun }}'
  and year between {{ year }} - 9 and {{ year }}
  {% if unit %}and enhet = '{{ unit | replace("'", "''") }}'{% endif %}
order by year, niva, enhet
