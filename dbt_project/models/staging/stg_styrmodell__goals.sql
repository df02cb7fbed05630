select year, kommunkod, goal_id, namn as name, niva as level, omrade as area, enhet,
       forelder as parent_goal_id, ordinal
from {{ source('raw', 'goal') }}
where {{ year_filter() }}
