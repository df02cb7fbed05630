-- One row per catalogue question: its stable measure code, scale and unit.
select
    source,
    year,
    kolumn,
    matt,
    source || '.' || matt as measure_id,
    text,
    skala,
    case when skala = 'verbal4' then 'verbal4' else 'numeric' end as scale_kind,
    case when skala = 'verbal4' then 4 else split_part(skala, '-', 2)::integer end as scale_max,
    case when skala = 'verbal4' then 'procent' else 'index' end as unit,
    case when grupp is null then []::varchar[] else string_split(grupp, ',') end as grupp_codes,
    -- a year's questions numbered: the survey cells group and join on it instead of source and
    -- measure_id (a year's numbers come from that year's catalogues alone)
    row_number() over (partition by year order by source, kolumn)::integer as question_key
from (
    {{ survey_rows('question') }}
) q
