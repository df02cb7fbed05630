-- HME (Hållbart medarbetarengagemang) of each unit beside the whole municipality's, ten years up
-- to a year (Metabase native query). Suppressed cells have no value.
-- Variables: kommun (Text, e.g. 0483), year (Number, e.g. 2022); unit (Text, optional: a unit
-- code such as KS; without it, every unit).
select year_date, year, enhet, enhet_name, niva, value, n_answers, ci_low, ci_high, suppressed,
       kommun_value, difference
from marts.v_unit_survey
where measure_id = 'medarbetarenkat.HME' and kommunkod = {{kommun}}
  and year between {{year}} - 9 and {{year}}
  [[and enhet = {{unit}}]]
order by year, niva, enhet
