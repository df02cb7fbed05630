-- Survey respondents, one row each with their background as published: blank = 'Okänt'.
select
    source, year, respondent_no, kommunkod, respondent_id, enhet,
    coalesce(kon, 'Okänt') as kon,
    coalesce(aldersgrupp, 'Okänt') as aldersgrupp,
    coalesce(enkat, 'Okänt') as enkat,
    coalesce(respondentgrupp, 'Okänt') as respondentgrupp,
    -- exact decimals: sums of weights are then the same whatever order threads add them in,
    -- so a re-run publishes bit-identical figures
    coalesce(vikt, 1.0)::decimal(38, 10) as vikt
from (
select * from {{ source('raw', 'medarbetarenkat_respondent') }} where source = 'medarbetarenkat'
union all
select * from {{ source('raw', 'medborgarundersokning_respondent') }} where source = 'medborgarundersokning'
union all
select * from {{ source('raw', 'intern_enkat_respondent') }} where source = 'intern_enkat'
) r
where {{ year_filter() }}
