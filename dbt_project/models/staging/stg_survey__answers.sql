-- Survey answers, long form. Background values as published: blank = 'Okänt'.
select
    source, year, kommunkod, respondent_id, enhet,
    coalesce(kon, 'Okänt') as kon,
    coalesce(aldersgrupp, 'Okänt') as aldersgrupp,
    coalesce(enkat, 'Okänt') as enkat,
    coalesce(respondentgrupp, 'Okänt') as respondentgrupp,
    coalesce(vikt, 1.0) as vikt,
    kolumn,
    answer
from {{ source('raw', 'answer') }}
where {{ year_filter() }}
