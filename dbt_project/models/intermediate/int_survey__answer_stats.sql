-- Valid answers (not "vet ej", not blank), summed per unit and background combination:
-- the sufficient statistics every cell is made of. One pass over the answers.
with valid as (
    select
        a.source, a.year, a.kommunkod, q.measure_id, q.scale_kind, q.scale_max, q.unit,
        a.enhet, a.kon, a.aldersgrupp, a.enkat, a.respondentgrupp,
        a.vikt as w,
        case when q.scale_kind = 'verbal4' then (a.answer <= 2)::int else a.answer end as x
    from {{ ref('stg_survey__answers') }} a
    join {{ ref('stg_survey__questions') }} q
      on q.source = a.source and q.year = a.year and q.kolumn = a.kolumn
    where a.answer between 1 and q.scale_max
)
select
    source, year, kommunkod, measure_id, scale_kind, scale_max, unit,
    enhet, kon, aldersgrupp, enkat, respondentgrupp,
    count(*) as n,
    sum(w) as sw,
    sum(w * x) as swx,
    sum(w * x * x) as swx2,
    sum(w * w) as sw2  -- decimal(38, 20): exact, so roll-ups are order-independent
from valid
group by all
