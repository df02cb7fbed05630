-- Suppression, first pass: the question measures.
with cells as (
    select c.*, l.limit_n, false as forced
    from {{ ref('int_survey__question_cells') }} c
    join {{ ref('int_suppression_limits') }} l using (kommunkod, year)
    where {{ year_filter('c.year') }}
)
{{ suppression_flags('cells') }}
