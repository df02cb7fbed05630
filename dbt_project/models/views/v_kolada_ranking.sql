-- The national ranking of each Kolada key figure per year: every municipality (regions and Riket
-- excluded) with a total value, ranked by value (1 = the highest; ties share the best rank; Kolada
-- gives no direction, so for a figure where lower is better read it from the bottom), with the
-- number of municipalities ranked and Riket's value.
with kommun_values as (
    select f.measure_id, f.year, f.kommunkod, f.value
    from {{ published_ref('fct_measure_value') }} f
    join {{ published_ref('dim_kommun') }} k on k.kommunkod = f.kommunkod and k.typ = 'kommun'
    where f.measure_id like 'kolada.%' and f.group_type = 'total' and f.enhet is null
      and not f.suppressed and f.value is not null
)

select
    v.measure_id::varchar as measure_id,
    m.code::varchar as kpi,
    m.label::varchar as measure_label,
    m.unit::varchar as measure_unit,
    {{ code_label('measure_unit', 'm.unit') }}::varchar as measure_unit_label,
    v.year::integer as year,
    make_date(v.year, 1, 1)::date as year_date,
    v.kommunkod::varchar as kommunkod,
    k.kommun::varchar as kommun,
    k.lan::varchar as lan,
    v.value::double as value,
    (rank() over (partition by v.measure_id, v.year order by v.value desc))::integer as national_rank,
    (count(*) over (partition by v.measure_id, v.year))::integer as national_count,
    r.value::double as riket_value
from kommun_values v
left join {{ published_ref('dim_measure') }} m on m.measure_id = v.measure_id
left join {{ published_ref('dim_kommun') }} k on k.kommunkod = v.kommunkod
left join {{ published_ref('fct_measure_value') }} r
  on r.measure_id = v.measure_id and r.year = v.year and r.kommunkod = '0000'
 and r.group_type = 'total' and r.enhet is null
