{{ config(materialized='view') }}
-- Valid answers (not "vet ej", not blank), summed per unit and background combination:
-- the sufficient statistics every cell is made of.
--
-- The ingest sums the valid answers per group of respondents with the same background (grp)
-- and question (stg_survey__answer_sums): n, sum(w), sum(w a) and sum(w a^2) of the codes a,
-- sum(w) over the answers 1-2, sum(w^2). Here the question's scale picks x: the code itself
-- on a 1-K scale, so swx = sum(w a) and swx2 = sum(w a^2); for verbal4 x = 1 for the answers
-- 1-2 and 0 for 3-4, so swx = swx2 = sum(w) over the answers 1-2. The group's municipality,
-- unit and background join on integer keys, and each row carries the integer keys the cells
-- group on: the question's (question_key) and the unit's (unit_key, from the year's closure).
-- Weights are exact decimals: sums are the same whatever order threads add them in, so
-- roll-ups are order-independent and a re-run publishes bit-identical figures.
-- The groups take their unit first (a few ten thousand rows a national year), then the sums
-- their group on its integer key: joining the unit to each of the year's ~1.7 million sums rows
-- on municipality and enhet codes made DuckDB hash the sums (the question pass 2.4 s a national
-- year against 1.8 s).
with groups as (
    select g.source, g.year, g.grp, g.kommunkod, g.enhet, g.kon, g.aldersgrupp, g.enkat, g.respondentgrupp,
           u.unit_key, coalesce(u.ancestor_is_root, false) as unit_is_root
    from {{ ref('stg_survey__respondent_groups') }} g
    -- the unit's own row of the closure (the ingest lands no answer on a unit outside the tree)
    left join {{ ref('int_org_unit__closure') }} u
      on u.year = g.year and u.kommunkod = g.kommunkod and u.enhet = g.enhet and u.distance = 0
)

select
    a.source, a.year, g.kommunkod, q.measure_id, q.question_key, q.scale_kind, q.scale_max, q.unit,
    g.enhet, g.unit_key, g.unit_is_root,
    g.kon, g.aldersgrupp, g.enkat, g.respondentgrupp,
    a.n,
    a.sw,
    case when q.scale_kind = 'verbal4' then a.sw_top2 else a.sw_answer end as swx,
    case when q.scale_kind = 'verbal4' then a.sw_top2 else a.sw_answer2 end as swx2,
    a.sw2  -- decimal(38, 20)
from {{ ref('stg_survey__answer_sums') }} a
join {{ ref('stg_survey__questions') }} q
  on q.source = a.source and q.year = a.year and q.kolumn = a.kolumn
join groups g
  on g.source = a.source and g.year = a.year and g.grp = a.grp
