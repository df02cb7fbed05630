-- Valid answers (not "vet ej", not blank), summed per unit and background combination:
-- the sufficient statistics every cell is made of.
--
-- The ingest counts the answers per group of respondents with the same background, question
-- and answer code, with the sums of their weights (stg_survey__answer_counts); the question's
-- scale here turns each code into x (a 1-K value, or 1/0 for the top two boxes of verbal4),
-- leaves out the codes outside 1..K (vet ej) and adds the counts up into the sums. Weights are
-- exact decimals: sums are the same whatever order threads add them in, so roll-ups are
-- order-independent and a re-run publishes bit-identical figures.
with valid as (
    select
        a.source, a.year, a.kommunkod, q.measure_id, q.scale_kind, q.scale_max, q.unit,
        a.enhet, a.kon, a.aldersgrupp, a.enkat, a.respondentgrupp, a.n, a.sw, a.sw2,
        case when q.scale_kind = 'verbal4' then (a.answer <= 2)::int else a.answer end as x
    from {{ ref('stg_survey__answer_counts') }} a
    join {{ ref('stg_survey__questions') }} q
      on q.source = a.source and q.year = a.year and q.kolumn = a.kolumn
    where a.answer between 1 and q.scale_max
)

select
    source, year, kommunkod, measure_id, scale_kind, scale_max, unit,
    enhet, kon, aldersgrupp, enkat, respondentgrupp,
    sum(n)::bigint as n,
    sum(sw) as sw,
    sum(sw * x) as swx,
    sum(sw * x * x) as swx2,
    sum(sw2) as sw2  -- decimal(38, 20)
from valid
group by all
