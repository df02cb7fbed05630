-- Aggregate measures (a catalogue `grupp`, e.g. HME): the plain mean of the group's question
-- values in the same cell, present only where every question of the group has a cell;
-- n = the smallest n of its questions. Then suppression, second pass: an aggregate cell is also
-- suppressed when any of its questions' cells is. The own group of a unit in an aggregate is
-- its smallest own group among the group's questions (own_n, see macros/measures.sql).
{{ config(materialized='incremental_by_year', on_schema_change='append_new_columns') }}

with members as (
    select q.source, q.year, q.question_key, q.unit, g.code,
           -- the aggregate's number in its year: the cells group and the splits count on it
           dense_rank() over (partition by q.year order by q.source, g.code)::integer as aggregate_key,
           count(*) over (partition by q.source, q.year, g.code) as n_questions
    from {{ ref('stg_survey__questions') }} q, unnest(q.grupp_codes) g (code)
    where {{ year_filter('q.year') }}
),

-- a cell is (aggregate, municipality, group, unit): its unit by key (owner_key, split_id); the
-- codes, functions of the keys, are carried along
cells as (
    select
        any_value(m.source) as source, c.year, c.kommunkod, any_value(m.source || '.' || m.code) as measure_id,
        min(m.unit) as unit,
        any_value(c.enhet) as enhet, c.group_type, c.group_value, any_value(c.split_key) as split_key,
        min(c.n_answers) as n_answers,
        any_value(c.unit_code) as unit_code,
        min(c.own_n) as own_n,
        list_avg(list_sort(list(c.value))) as value,  -- summed smallest first: bit-identical on every run
        null::double as ci_low,
        null::double as ci_high,
        bool_or(c.suppressed) as forced,
        min(c.limit_n) as limit_n,
        count(*) as n_present,
        min(m.n_questions) as n_questions,
        m.aggregate_key,
        c.split_id,
        c.owner_key
    from {{ ref('int_survey__question_cells_suppressed') }} c
    join members m
      on m.year = c.year and m.question_key = c.question_key
    where {{ year_filter('c.year') }}
    group by c.year, m.aggregate_key, c.kommunkod, c.group_type, c.group_value, c.split_id, c.owner_key
    having count(*) = min(m.n_questions)
)

{{ suppression_flags('cells', 'aggregate_key') }}
