select year, kommunkod, goal_id, indicator_id, matt as measure_id, enhet,
       malvarde as target_value, riktning as direction, delvis_fran as partly_from,
       skala as band_set, coalesce(trendtolerans, 1.0) as trend_tolerance, ordinal
from {{ source('raw', 'indicator') }}
where {{ year_filter() }}
