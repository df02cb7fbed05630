-- A measure's series for the whole municipality, ten years up to a year (Metabase native query;
-- year_date is a DATE: a line chart gets a time axis). Suppressed years have no value.
-- Variables: measure (Text, e.g. medarbetarenkat.HME), kommun (Text, e.g. 0483);
-- year (Number, optional: without it, every year).
select year_date, year, measure_label, value, n_answers, ci_low, ci_high, suppressed
from marts.v_measure_series
where measure_id = {{measure}} and kommunkod = {{kommun}}
  and enhet is null and group_type = 'total'
  [[and year between {{year}} - 9 and {{year}}]]
order by year_date
