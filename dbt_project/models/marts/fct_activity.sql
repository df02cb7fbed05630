-- Activities of each goal; locked = decided centrally, mandatory for every unit.
select
    kommunkod::varchar as kommunkod,
    year::integer as year,
    goal_id::varchar as goal_id,
    activity_id::varchar as activity_id,
    name::varchar as name,
    locked::boolean as locked,
    status::varchar as status
from {{ ref('stg_styrmodell__activities') }}
