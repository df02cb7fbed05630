-- The suppression limit of each municipality and year with survey respondents: minsta_antal_svar
-- of its goal model, default 5.
with municipalities as (
    select distinct kommunkod, year from {{ ref('stg_survey__respondent_groups') }}
)
select m.kommunkod, m.year,
       coalesce(s.minsta_antal_svar, {{ var('default_minsta_antal_svar') }}) as limit_n
from municipalities m
left join {{ ref('stg_styrmodell__settings') }} s using (kommunkod, year)
