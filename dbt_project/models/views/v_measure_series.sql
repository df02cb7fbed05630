-- Every measure cell as a time series: fct_measure_value with year_date (a DATE, 1 January of the
-- year, the time axis of a BI tool), the measure's, municipality's and unit's names and Swedish
-- labels. A suppressed cell keeps its row and stays without value and interval.
select
    f.measure_id::varchar as measure_id,
    m.source::varchar as source,
    {{ code_label('source', 'm.source') }}::varchar as source_label,
    m.code::varchar as code,
    m.label::varchar as measure_label,
    m.unit::varchar as measure_unit,
    {{ code_label('measure_unit', 'm.unit') }}::varchar as measure_unit_label,
    f.kommunkod::varchar as kommunkod,
    k.kommun::varchar as kommun,
    f.year::integer as year,
    make_date(f.year, 1, 1)::date as year_date,
    f.enhet::varchar as enhet,
    u.namn::varchar as enhet_name,
    f.group_type::varchar as group_type,
    {{ code_label('group_type', 'f.group_type') }}::varchar as group_type_label,
    f.group_value::varchar as group_value,
    (case f.group_type
        when 'kon' then {{ code_label('kon', 'f.group_value') }}
        when 'enkat' then {{ code_label('enkat', 'f.group_value') }}
        else f.group_value end)::varchar as group_value_label,
    (case when f.suppressed then null else f.value end)::double as value,
    f.n_answers::bigint as n_answers,
    (case when f.suppressed then null else f.ci_low end)::double as ci_low,
    (case when f.suppressed then null else f.ci_high end)::double as ci_high,
    f.suppressed::boolean as suppressed
from {{ published_ref('fct_measure_value') }} f
left join {{ published_ref('dim_measure') }} m on m.measure_id = f.measure_id
left join {{ published_ref('dim_kommun') }} k on k.kommunkod = f.kommunkod
left join {{ published_ref('dim_org_unit') }} u
  on u.kommunkod = f.kommunkod and u.year = f.year and u.enhet = f.enhet
