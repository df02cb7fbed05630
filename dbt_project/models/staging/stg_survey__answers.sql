-- Survey answers, long form. Background values as published: blank = 'Okänt'.
select
    source, year, kommunkod, respondent_id, enhet,
    coalesce(kon, 'Okänt') as kon,
    coalesce(aldersgrupp, 'Okänt') as aldersgrupp,
    coalesce(enkat, 'Okänt') as enkat,
    coalesce(respondentgrupp, 'Okänt') as respondentgrupp,
    -- exact decimals: sums of weights are then the same whatever order threads add them in,
    -- so a re-run publishes bit-identical figures
    coalesce(vikt, 1.0)::decimal(38, 10) as vikt,
    kolumn,
    answer
from (
select * from {{ source('raw', 'medarbetarenkat_answer') }} where source = 'medarbetarenkat'
union all
select * from {{ source('raw', 'medborgarundersokning_answer') }} where source = 'medborgarundersokning'
union all
select * from {{ source('raw', 'intern_enkat_answer') }} where source = 'intern_enkat'
) a
where {{ year_filter() }}
