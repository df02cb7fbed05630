{{ config(materialized='incremental_by_year') }}
-- Valid answers (not "vet ej", not blank), summed per unit and background combination:
-- the sufficient statistics every cell is made of.
--
-- The ingest counts the answers per group of respondents with the same background (grp),
-- question and answer code, with the sums of their weights (stg_survey__answer_counts). Here
-- the question's scale turns each code into x (a 1-K value, or 1/0 for the top two boxes of
-- verbal4), the codes outside 1..K (vet ej) are left out, and the counts are added up per group
-- and question on integer keys; the group's municipality, unit and background join last.
-- Weights are exact decimals: sums are the same whatever order threads add them in, so
-- roll-ups are order-independent and a re-run publishes bit-identical figures.
with valid as (
    select
        a.source, a.year, a.grp, q.measure_id, a.n, a.sw, a.sw2,
        case when q.scale_kind = 'verbal4' then (a.answer <= 2)::int else a.answer end as x
    from {{ ref('stg_survey__answer_counts') }} a
    join {{ ref('stg_survey__questions') }} q
      on q.source = a.source and q.year = a.year and q.kolumn = a.kolumn
    where a.answer between 1 and q.scale_max and {{ year_filter('a.year') }}
),

measures as (
    select distinct source, year, measure_id, scale_kind, scale_max, unit
    from {{ ref('stg_survey__questions') }}
),

sums as (
    select
        source, year, grp, measure_id,
        sum(n)::bigint as n,
        sum(sw) as sw,
        sum(sw * x) as swx,
        sum(sw * x * x) as swx2,
        sum(sw2) as sw2  -- decimal(38, 20)
    from valid
    group by source, year, grp, measure_id
)

select
    s.source, s.year, g.kommunkod, s.measure_id, q.scale_kind, q.scale_max, q.unit,
    g.enhet, g.kon, g.aldersgrupp, g.enkat, g.respondentgrupp,
    s.n, s.sw, s.swx, s.swx2, s.sw2
from sums s
join {{ ref('stg_survey__respondent_groups') }} g using (source, year, grp)
join measures q using (source, year, measure_id)
