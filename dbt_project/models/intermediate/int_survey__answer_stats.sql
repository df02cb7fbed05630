-- Valid answers (not "vet ej", not blank), summed per unit and background combination:
-- the sufficient statistics every cell is made of.
--
-- Respondents with the same municipality, unit and background form a `cell`, numbered here.
-- The answers (one row each, carrying only their respondent's number) are counted per cell,
-- question and answer code; the question's scale then turns each code into x (a 1-K value, or
-- 1/0 for the top two boxes of verbal4) and the counts into the sums. Weights are exact
-- decimals: sums are the same whatever order threads add them in, so roll-ups are
-- order-independent and a re-run publishes bit-identical figures.
with respondents as materialized (
    select source, year, respondent_no, vikt as w, kommunkod, enhet, kon, aldersgrupp, enkat, respondentgrupp
    from {{ ref('stg_survey__respondents') }}
),

cells as materialized (
    select source, year, kommunkod, enhet, kon, aldersgrupp, enkat, respondentgrupp, row_number() over () as cell
    from respondents
    group by all
),

respondent_cells as materialized (
    select r.source, r.year, r.respondent_no, r.w, c.cell
    from respondents r
    join cells c
      on c.source = r.source and c.year = r.year and c.kommunkod = r.kommunkod and c.enhet is not distinct from r.enhet
     and c.kon = r.kon and c.aldersgrupp = r.aldersgrupp and c.enkat = r.enkat and c.respondentgrupp = r.respondentgrupp
),

answer_sums as (
    select rc.cell, a.kolumn, a.answer, count(*) as n, sum(rc.w) as sw, sum(rc.w * rc.w) as sw2
    from {{ ref('stg_survey__answers') }} a
    join respondent_cells rc on rc.source = a.source and rc.year = a.year and rc.respondent_no = a.respondent_no
    group by all
),

valid as (
    select
        s.cell, q.measure_id, q.scale_kind, q.scale_max, q.unit, s.n, s.sw, s.sw2,
        case when q.scale_kind = 'verbal4' then (s.answer <= 2)::int else s.answer end as x
    from answer_sums s
    join cells c using (cell)
    join {{ ref('stg_survey__questions') }} q
      on q.source = c.source and q.year = c.year and q.kolumn = s.kolumn
    where s.answer between 1 and q.scale_max
),

cell_sums as (
    select
        cell, measure_id, scale_kind, scale_max, unit,
        sum(n)::bigint as n,
        sum(sw) as sw,
        sum(sw * x) as swx,
        sum(sw * x * x) as swx2,
        sum(sw2) as sw2  -- decimal(38, 20)
    from valid
    group by all
)

select
    c.source, c.year, c.kommunkod, s.measure_id, s.scale_kind, s.scale_max, s.unit,
    c.enhet, c.kon, c.aldersgrupp, c.enkat, c.respondentgrupp,
    s.n, s.sw, s.swx, s.swx2, s.sw2
from cell_sums s
join cells c using (cell)
