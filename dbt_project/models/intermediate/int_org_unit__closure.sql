-- Each unit with each of its ancestors (itself included, distance 0) and its depth (root = 0).
-- A respondent on a unit counts in the cell of that unit and of every ancestor: the subtree rule.
with recursive walk as (
    select year, kommunkod, enhet, enhet as ancestor, overordnad as next_up, 0 as distance
    from {{ ref('stg_organisation__units') }}
    union all
    select w.year, w.kommunkod, w.enhet, u.enhet as ancestor, u.overordnad as next_up, w.distance + 1 as distance
    from walk w
    join {{ ref('stg_organisation__units') }} u
      on u.year = w.year and u.kommunkod = w.kommunkod and u.enhet = w.next_up
)
select
    w.year, w.kommunkod, w.enhet, w.ancestor, w.distance,
    max(w.distance) over (partition by w.year, w.kommunkod, w.enhet) as depth,
    a.overordnad as ancestor_parent,
    a.overordnad is null as ancestor_is_root
from walk w
join {{ ref('stg_organisation__units') }} a
  on a.year = w.year and a.kommunkod = w.kommunkod and a.enhet = w.ancestor
