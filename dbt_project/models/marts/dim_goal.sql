-- The goal chain of each municipality and year, as that year's goal model says it.
-- enhet = the goal's unit (the root's code when the goal names none).
select
    kommunkod::varchar as kommunkod,
    year::integer as year,
    goal_id::varchar as goal_id,
    name::varchar as name,
    level::varchar as level,
    area::varchar as area,
    enhet::varchar as enhet,
    parent_goal_id::varchar as parent_goal_id,
    ordinal::integer as sort_order
from {{ ref('stg_styrmodell__goals') }}
