-- Survey respondents, counted per group with the same municipality, unit and background, the
-- background as published: blank = 'Okänt'.
select
    source, year, grp, kommunkod, enhet,
    coalesce(kon, 'Okänt') as kon,
    coalesce(aldersgrupp, 'Okänt') as aldersgrupp,
    coalesce(enkat, 'Okänt') as enkat,
    coalesce(respondentgrupp, 'Okänt') as respondentgrupp,
    respondents
from (
select * from {{ source('raw', 'medarbetarenkat_respondent_group') }} where source = 'medarbetarenkat'
union all
select * from {{ source('raw', 'medborgarundersokning_respondent_group') }} where source = 'medborgarundersokning'
union all
select * from {{ source('raw', 'intern_enkat_respondent_group') }} where source = 'intern_enkat'
) r
where {{ year_filter() }}
