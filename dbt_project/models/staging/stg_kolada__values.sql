-- Every year's Kolada values (no year filter: dim_measure, which spans all years, reads the KPIs of
-- every passed year here; fct_measure_value picks the years being built).
select year, kpi, 'kolada.' || kpi as measure_id, kommunkod, gender, value
from {{ source('raw', 'kolada_value') }}
