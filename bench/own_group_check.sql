-- Own-group check (contract section 3, amended 2026-11-30): lists every published unit cell
-- whose value would give back the respondents attached to the unit itself, i.e. a shown cell of
-- a unit with child units (the root's cell is the municipality's, enhet null) whose children's
-- cells in the same measure are all shown (at least one) and whose own group has 0 < n < limit.
-- An empty result means no hidden figure can be recovered as "unit minus its children".
--
-- Computed from the published rows only (suppressed rows keep their n), independently of the
-- dbt macro: own-group n of a question = the unit's n minus the sum of its children's n; of an
-- aggregate = the smallest own-group n of its questions.
-- Run against a build database (it needs the staging views for the tree and the catalogue):
--     duckdb warehouse/.build/build.duckdb < bench/own_group_check.sql
with cell as (
    select measure_id, kommunkod, year, enhet, n_answers as n, suppressed
    from marts.fct_measure_value
    where group_type = 'total' and n_answers is not null
),

unit as (
    select year, kommunkod, enhet, overordnad,
           -- the root's cell is the municipality's cell (enhet null)
           case when overordnad is null then null else enhet end as cell_enhet
    from staging.stg_organisation__units
),

-- every unit cell (the municipality's standing for the root) with its children's cells
parent as (
    select c.measure_id, c.kommunkod, c.year, u.enhet as unit, c.n, c.suppressed,
           sum(ch.n) as children_n,
           count(ch.n) as n_children,
           bool_or(ch.suppressed) as any_child_hidden
    from cell c
    join unit u on u.year = c.year and u.kommunkod = c.kommunkod and u.cell_enhet is not distinct from c.enhet
    left join unit cu on cu.year = u.year and cu.kommunkod = u.kommunkod and cu.overordnad = u.enhet
    left join cell ch on ch.measure_id = c.measure_id and ch.kommunkod = c.kommunkod and ch.year = c.year
                     and ch.enhet = cu.enhet
    group by all
),

question_own as (
    select p.*, p.n - coalesce(p.children_n, 0) as own_n
    from parent p
    join staging.stg_survey__questions q on q.measure_id = p.measure_id and q.year = p.year
),

aggregate_own as (
    select p.*, o.own_n
    from parent p
    join (select q.source || '.' || g.code as measure_id, o.kommunkod, o.year, o.unit, min(o.own_n) as own_n
          from question_own o
          join staging.stg_survey__questions q on q.measure_id = o.measure_id and q.year = o.year,
               unnest(q.grupp_codes) as g(code)
          group by all) o using (measure_id, kommunkod, year, unit)
),

own as (
    select 'question' as kind, * from question_own
    union all
    select 'aggregate', * from aggregate_own
)

select o.kind, o.measure_id, o.kommunkod, o.year, o.unit, o.n, o.children_n, o.own_n, l.limit_n
from own o
join intermediate.int_suppression_limits l using (kommunkod, year)
where not o.suppressed and o.n_children > 0 and not o.any_child_hidden
  and o.own_n > 0 and o.own_n < l.limit_n
order by o.kind desc, o.measure_id, o.kommunkod, o.year, o.unit;
