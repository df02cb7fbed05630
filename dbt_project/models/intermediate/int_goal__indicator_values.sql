-- Each indicator with its value (the measure's total cell for the municipality or the named
-- unit; the root unit's cell is the municipality's), last year's value of the same measure and
-- unit, and its band label.
with indicators as (
    select i.*, nullif(i.enhet, r.enhet) as cell_enhet
    from {{ ref('stg_styrmodell__indicators') }} i
    left join {{ ref('stg_organisation__units') }} r
      on r.year = i.year and r.kommunkod = i.kommunkod and r.overordnad is null
),

totals as (
    select measure_id, kommunkod, year, enhet, value
    from {{ ref('fct_measure_value') }}
    where group_type = 'total'
      and {{ year_and_previous_filter() }}
),

valued as (
    select i.*, cur.value, prev.value as prev_value
    from indicators i
    left join totals cur
      on cur.measure_id = i.measure_id and cur.kommunkod = i.kommunkod and cur.year = i.year
     and cur.enhet is not distinct from i.cell_enhet
    left join totals prev
      on prev.measure_id = i.measure_id and prev.kommunkod = i.kommunkod and prev.year = i.year - 1
     and prev.enhet is not distinct from i.cell_enhet
)

select v.*,
       (select b.etikett
          from {{ ref('stg_styrmodell__bands') }} b
         where b.year = v.year and b.kommunkod = v.kommunkod and b.skala = v.band_set
           and v.value is not null and (b.fran is null or v.value >= b.fran)
         order by b.ordinal
         limit 1) as band_label
from valued v
