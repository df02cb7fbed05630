-- Each unit with each of its ancestors (itself included, distance 0) and its depth (root = 0).
-- A respondent on a unit counts in the cell of that unit and of every ancestor: the subtree rule.
-- unit_key numbers a year's units (in kommunkod, enhet order, so within a municipality in the
-- text order of the codes): the survey cells group and join on it instead of the text codes.
-- A year's keys come from that year's units alone, and the closure of a year is built with the
-- year's cells (int_survey__answer_stats takes a group's unit_key from the closure).
-- append_new_columns: a build database from before the keys gets them (a changed dbt project
-- rebuilds every year, so every year's rows have them).
{{ config(on_schema_change='append_new_columns') }}
with recursive units as (
    select u.year, u.kommunkod, u.enhet, u.overordnad,
           row_number() over (partition by u.year order by u.kommunkod, u.enhet)::integer as unit_key
    from {{ ref('stg_organisation__units') }} u
),

-- each unit with its parent's key
keyed as (
    select u.*, p.unit_key as parent_key
    from units u
    left join units p on p.year = u.year and p.kommunkod = u.kommunkod and p.enhet = u.overordnad
),

walk as (
    select year, kommunkod, enhet, unit_key, enhet as ancestor, overordnad as next_up, 0 as distance
    from keyed
    union all
    select w.year, w.kommunkod, w.enhet, w.unit_key, u.enhet as ancestor, u.overordnad as next_up,
           w.distance + 1 as distance
    from walk w
    join keyed u
      on u.year = w.year and u.kommunkod = w.kommunkod and u.enhet = w.next_up
)

select
    w.year, w.kommunkod, w.enhet, w.ancestor, w.distance,
    max(w.distance) over (partition by w.year, w.kommunkod, w.enhet) as depth,
    a.overordnad as ancestor_parent,
    a.overordnad is null as ancestor_is_root,
    w.unit_key,
    a.unit_key as ancestor_key,
    a.parent_key as ancestor_parent_key
from walk w
join keyed a
  on a.year = w.year and a.kommunkod = w.kommunkod and a.enhet = w.ancestor
