select kpi, 'kolada.' || kpi as measure_id, title, description
from {{ source('raw', 'kpi') }}
