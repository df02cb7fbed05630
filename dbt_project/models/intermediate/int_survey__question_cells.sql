{{ config(materialized='view') }}
-- Every cell of every question measure (contract section 3), before suppression:
-- the whole municipality, every other unit over its whole subtree, and the background groups
-- of the whole municipality. Sums roll up the unit tree; values come from the sums.
-- A view without a year filter of its own: int_survey__question_cells_suppressed reads it a
-- year at a time and its filter of the year reaches the scans, so the cells are computed inside
-- that model's statement and written once, suppressed (writing them here too cost ~0.3 s of
-- a national year).
with stats as (
    select * from {{ ref('int_survey__answer_stats') }}
),

-- each municipality's root unit (its row of itself in the closure)
roots as (
    select year, kommunkod, enhet
    from {{ ref('int_org_unit__closure') }}
    where ancestor_is_root and enhet = ancestor
),

-- own_n: the answers of the cell's unit itself, in no child's cell (contract section 3, amended
-- 2026-11-30; suppression_flags in macros/measures.sql): for the municipality, whose cell stands
-- for the root, those on the root and those without a unit
municipality as (
    select s.source, s.year, s.kommunkod, s.measure_id,
           any_value(s.scale_kind) as scale_kind, any_value(s.scale_max) as scale_max, any_value(s.unit) as unit,
           null::varchar as enhet, 'total' as group_type, 'Totalt' as group_value,
           null::varchar as split_key,
           sum(s.n) as n, sum(s.sw) as sw, sum(s.swx) as swx, sum(s.swx2) as swx2, sum(s.sw2) as sw2,
           sum(case when s.enhet is null or r.enhet is not null then s.n else 0 end) as own_n
    from stats s
    left join roots r on r.year = s.year and r.kommunkod = s.kommunkod and r.enhet = s.enhet
    group by s.source, s.year, s.kommunkod, s.measure_id
),

-- each unit's own respondents, the background summed out first (the roll-up then joins fewer
-- rows); a measure's scale and unit are the same in every row of it, so they are carried
-- along with any_value instead of being grouping keys
unit_own as (
    select source, year, kommunkod, measure_id, enhet,
           any_value(scale_kind) as scale_kind, any_value(scale_max) as scale_max, any_value(unit) as unit,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
    from stats
    where enhet is not null
    group by source, year, kommunkod, measure_id, enhet
),

unit_sums as (
    select s.source, s.year, s.kommunkod, s.measure_id, c.ancestor as enhet,
           any_value(c.ancestor_parent) as ancestor_parent,
           any_value(s.scale_kind) as scale_kind, any_value(s.scale_max) as scale_max, any_value(s.unit) as unit,
           sum(s.n) as n, sum(s.sw) as sw, sum(s.swx) as swx, sum(s.swx2) as swx2, sum(s.sw2) as sw2,
           sum(case when s.enhet = c.ancestor then s.n else 0 end) as own_n  -- the unit's own row
    from unit_own s
    join {{ ref('int_org_unit__closure') }} c
      on c.year = s.year and c.kommunkod = s.kommunkod and c.enhet = s.enhet
    where not c.ancestor_is_root
    group by s.source, s.year, s.kommunkod, s.measure_id, c.ancestor
),

units as (
    select source, year, kommunkod, measure_id, scale_kind, scale_max, unit,
           enhet, 'total' as group_type, 'Totalt' as group_value,
           'enhet:' || ancestor_parent as split_key,
           n, sw, swx, swx2, sw2, own_n
    from unit_sums
),

background as (
    {%- set variables = {
        'medborgarundersokning': ['kon', 'aldersgrupp'],
        'medarbetarenkat': ['kon'],
        'intern_enkat': ['enkat', 'respondentgrupp'],
    } %}
    {%- for source, columns in variables.items() %}
    {%- for column in columns %}
    select source, year, kommunkod, measure_id,
           any_value(scale_kind) as scale_kind, any_value(scale_max) as scale_max, any_value(unit) as unit,
           null::varchar as enhet, '{{ column }}' as group_type, {{ column }} as group_value,
           'group:{{ column }}' as split_key,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2,
           null as own_n  -- a background group is no unit
    from stats
    where source = '{{ source }}'
    group by source, year, kommunkod, measure_id, {{ column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cells as (
    select * from municipality
    union all
    select * from units
    union all
    select * from background
)

select
    source, year, kommunkod, measure_id, unit, enhet, group_type, group_value, split_key,
    n as n_answers,
    own_n,
    {{ question_value('scale_kind', 'scale_max', 'sw', 'swx') }} as value,
    {{ ci_bound(-1, 'scale_kind', 'scale_max', 'n', 'sw', 'swx', 'swx2', 'sw2') }} as ci_low,
    {{ ci_bound(1, 'scale_kind', 'scale_max', 'n', 'sw', 'swx', 'swx2', 'sw2') }} as ci_high
from (
    select * replace (sw::double as sw, swx::double as swx, swx2::double as swx2, sw2::double as sw2)
    from cells
) cells
where n > 0
