-- The organisation tree of each municipality and year; niva = depth (the root is 0).
select
    u.kommunkod::varchar as kommunkod,
    u.year::integer as year,
    u.enhet::varchar as enhet,
    u.namn::varchar as namn,
    u.typ::varchar as typ,
    u.overordnad::varchar as overordnad,
    c.depth::integer as niva
from {{ ref('stg_organisation__units') }} u
join {{ ref('int_org_unit__closure') }} c
  on c.year = u.year and c.kommunkod = u.kommunkod and c.enhet = u.enhet and c.distance = 0
where {{ year_filter('c.year') }}
