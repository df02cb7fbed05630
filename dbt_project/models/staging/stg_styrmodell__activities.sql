select year, kommunkod, goal_id, activity_id, namn as name, locked, status, ordinal
from {{ source('raw', 'activity') }}
where {{ year_filter() }}
