select year, kpi, 'kolada.' || kpi as measure_id, kommunkod, gender, value
from {{ source('raw', 'kolada_value') }}
where {{ year_filter() }}
