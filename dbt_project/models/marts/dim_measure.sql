{{ config(materialized='table', pre_hook=[]) }}
-- Every measure: survey questions (label = the latest year's question text), survey aggregates
-- (label from the seed measure_group_labels, else the code) and Kolada KPIs (label = kpi.json title),
-- from years that passed their checks only (passed_years_filter).
with questions as (
    select source, matt as code, measure_id, unit, text,
           row_number() over (partition by measure_id order by year desc) as latest
    from {{ ref('stg_survey__questions') }}
    where {{ passed_years_filter() }}
),

groups as (
    select distinct q.source, g.code, q.source || '.' || g.code as measure_id, q.unit
    from {{ ref('stg_survey__questions') }} q, unnest(q.grupp_codes) g (code)
    where {{ passed_years_filter('q.year') }}
),

kolada as (
    select distinct v.kpi as code, v.measure_id, k.title
    from {{ ref('stg_kolada__values') }} v
    left join {{ ref('stg_kolada__kpis') }} k using (kpi)
    where {{ passed_years_filter('v.year') }}
)

select measure_id::varchar as measure_id, source::varchar as source, code::varchar as code,
       text::varchar as label, unit::varchar as unit
from questions where latest = 1
union all
select g.measure_id, g.source, g.code, coalesce(l.label, g.code), g.unit
from groups g
left join {{ ref('measure_group_labels') }} l on l.source = g.source and l.code = g.code
union all
select measure_id, 'kolada', code, coalesce(title, code),
       case when contains(title, '(%)') or title ilike '%andel%' then 'procent'
            when title ilike '%index%' then 'index'
            when title ilike '%antal%' then 'antal'
            else 'varde' end
from kolada
