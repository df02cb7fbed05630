{{ config(materialized='view') }}
-- Every cell of every question measure (contract section 3), before suppression:
-- the whole municipality, every other unit over its whole subtree, and the background groups
-- of the whole municipality. Sums roll up the unit tree; values come from the sums.
-- A view without a year filter of its own: int_survey__question_cells_suppressed reads it a
-- year at a time and its filter of the year reaches the scans, so the cells are computed inside
-- that model's statement and written once, suppressed (writing them here too cost ~0.3 s of
-- a national year).
-- The sums group on integer keys (the question's question_key, the unit's unit_key); the codes
-- and names join on at the end (a national year's roll-up 0.5 s against 1.5 s on the text codes).
with stats as (
    select * from {{ ref('int_survey__answer_stats') }}
),

questions as (
    select year, question_key, source, measure_id, scale_kind, scale_max, unit
    from {{ ref('stg_survey__questions') }}
),

-- each unit's own row of the closure: its code and its parent's
units as (
    select year, unit_key, kommunkod, enhet, ancestor_parent as parent, ancestor_is_root as is_root
    from {{ ref('int_org_unit__closure') }}
    where distance = 0
),

-- own_n: the answers of the cell's unit itself, in no child's cell (contract section 3, amended
-- 2026-11-30; suppression_flags in macros/measures.sql): for the municipality, whose cell stands
-- for the root, those on the root and those without a unit
municipality as (
    select year, question_key, kommunkod, null::integer as unit_key, null::varchar as enhet, null::varchar as parent,
           'total' as group_type, 'Totalt' as group_value, null::integer as split_id,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2,
           sum(case when unit_key is null or unit_is_root then n else 0 end) as own_n
    from stats
    group by year, question_key, kommunkod
),

-- each unit's own respondents, the background summed out first (the roll-up then joins fewer rows)
unit_own as (
    select year, question_key, unit_key,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2
    from stats
    where unit_key is not null
    group by year, question_key, unit_key
),

-- every unit but the root over its subtree; split_id = its parent's key (the split of the
-- parent's children)
unit_sums as (
    select s.year, s.question_key, c.ancestor_key as unit_key,
           any_value(c.ancestor_parent_key) as split_id,
           sum(s.n) as n, sum(s.sw) as sw, sum(s.swx) as swx, sum(s.swx2) as swx2, sum(s.sw2) as sw2,
           sum(case when s.unit_key = c.ancestor_key then s.n else 0 end) as own_n  -- the unit's own row
    from unit_own s
    join {{ ref('int_org_unit__closure') }} c
      on c.year = s.year and c.unit_key = s.unit_key
    where not c.ancestor_is_root
    group by s.year, s.question_key, c.ancestor_key
),

units_cells as (
    select s.year, s.question_key, u.kommunkod, s.unit_key, u.enhet, u.parent,
           'total' as group_type, 'Totalt' as group_value, s.split_id,
           s.n, s.sw, s.swx, s.swx2, s.sw2, s.own_n
    from unit_sums s
    join units u on u.year = s.year and u.unit_key = s.unit_key
),

-- the background groups; split_id = minus the variable's number (a split of its own per
-- municipality and question)
background as (
    {%- set variables = {
        'medborgarundersokning': ['kon', 'aldersgrupp'],
        'medarbetarenkat': ['kon'],
        'intern_enkat': ['enkat', 'respondentgrupp'],
    } %}
    {%- set numbers = {'kon': 1, 'aldersgrupp': 2, 'enkat': 3, 'respondentgrupp': 4} %}
    {%- for source, columns in variables.items() %}
    {%- for column in columns %}
    select year, question_key, kommunkod, null::integer as unit_key, null::varchar as enhet, null::varchar as parent,
           '{{ column }}' as group_type, {{ column }} as group_value, -{{ numbers[column] }} as split_id,
           sum(n) as n, sum(sw) as sw, sum(swx) as swx, sum(swx2) as swx2, sum(sw2) as sw2,
           null as own_n  -- a background group is no unit
    from stats
    where source = '{{ source }}'
    group by year, question_key, kommunkod, {{ column }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

cells as (
    select * from municipality
    union all
    select * from units_cells
    union all
    select * from background
),

-- each municipality's root: the unit its cell stands for
roots as (
    select year, kommunkod, unit_key, enhet
    from units
    where is_root
)

select
    q.source, c.year, c.kommunkod, q.measure_id, q.unit, c.enhet, c.group_type, c.group_value,
    case when c.unit_key is not null then 'enhet:' || c.parent
         when c.group_type <> 'total' then 'group:' || c.group_type end as split_key,
    c.n as n_answers,
    c.own_n,
    {{ question_value('q.scale_kind', 'q.scale_max', 'c.sw', 'c.swx') }} as value,
    {{ ci_bound(-1, 'q.scale_kind', 'q.scale_max', 'c.n', 'c.sw', 'c.swx', 'c.swx2', 'c.sw2') }} as ci_low,
    {{ ci_bound(1, 'q.scale_kind', 'q.scale_max', 'c.n', 'c.sw', 'c.swx', 'c.swx2', 'c.sw2') }} as ci_high,
    c.question_key,
    c.split_id,
    -- the unit whose cell it is (the root for the municipality's; null for a background group
    -- and for a municipality without a unit tree)
    case when c.group_type = 'total' then coalesce(c.unit_key, r.unit_key) end as owner_key,
    case when c.group_type = 'total' then coalesce(c.enhet, r.enhet) end as unit_code
from (
    select * replace (sw::double as sw, swx::double as swx, swx2::double as swx2, sw2::double as sw2)
    from cells
) c
join questions q on q.year = c.year and q.question_key = c.question_key
left join roots r on r.year = c.year and r.kommunkod = c.kommunkod
where c.n > 0
