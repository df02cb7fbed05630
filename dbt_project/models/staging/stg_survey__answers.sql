-- Survey answers, long form: one row per answer, with its respondent's number only (the
-- background is on stg_survey__respondents).
select source, year, respondent_no, kolumn, answer
from (
select * from {{ source('raw', 'medarbetarenkat_answer') }} where source = 'medarbetarenkat'
union all
select * from {{ source('raw', 'medborgarundersokning_answer') }} where source = 'medborgarundersokning'
union all
select * from {{ source('raw', 'intern_enkat_answer') }} where source = 'intern_enkat'
) a
where {{ year_filter() }}
