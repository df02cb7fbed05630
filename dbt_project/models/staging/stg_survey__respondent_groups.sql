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
    {{ survey_rows('respondent_group') }}
) r
where {{ year_filter() }}
