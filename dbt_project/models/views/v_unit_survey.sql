-- Each organisation unit's survey results (the total cell of every survey measure for the unit's
-- subtree) beside its municipality's whole-kommun value of the same measure and year. Suppressed
-- cells (the unit's or the municipality's) stay without value; difference is null then.
with cells as (
    select measure_id, kommunkod, year, enhet,
           case when suppressed then null else value end as value,
           n_answers,
           case when suppressed then null else ci_low end as ci_low,
           case when suppressed then null else ci_high end as ci_high,
           suppressed
    from {{ published_ref('fct_measure_value') }}
    where group_type = 'total'
)

select
    c.measure_id::varchar as measure_id,
    m.source::varchar as source,
    {{ code_label('source', 'm.source') }}::varchar as source_label,
    m.label::varchar as measure_label,
    m.unit::varchar as measure_unit,
    {{ code_label('measure_unit', 'm.unit') }}::varchar as measure_unit_label,
    c.kommunkod::varchar as kommunkod,
    k.kommun::varchar as kommun,
    c.year::integer as year,
    make_date(c.year, 1, 1)::date as year_date,
    c.enhet::varchar as enhet,
    u.namn::varchar as enhet_name,
    u.typ::varchar as enhet_typ,
    {{ code_label('org_unit_typ', 'u.typ') }}::varchar as enhet_typ_label,
    u.niva::integer as niva,
    u.overordnad::varchar as overordnad,
    parent.namn::varchar as overordnad_name,
    c.value::double as value,
    c.n_answers::bigint as n_answers,
    c.ci_low::double as ci_low,
    c.ci_high::double as ci_high,
    c.suppressed::boolean as suppressed,
    w.value::double as kommun_value,
    w.n_answers::bigint as kommun_n_answers,
    w.suppressed::boolean as kommun_suppressed,
    (c.value - w.value)::double as difference
from cells c
left join cells w
  on w.measure_id = c.measure_id and w.kommunkod = c.kommunkod and w.year = c.year and w.enhet is null
left join {{ published_ref('dim_measure') }} m on m.measure_id = c.measure_id
left join {{ published_ref('dim_kommun') }} k on k.kommunkod = c.kommunkod
left join {{ published_ref('dim_org_unit') }} u
  on u.kommunkod = c.kommunkod and u.year = c.year and u.enhet = c.enhet
left join {{ published_ref('dim_org_unit') }} parent
  on parent.kommunkod = u.kommunkod and parent.year = u.year and parent.enhet = u.overordnad
where c.enhet is not null
