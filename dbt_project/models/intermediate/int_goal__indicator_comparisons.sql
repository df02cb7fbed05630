-- Peer and national comparison of each municipality-level indicator (contract section 5):
-- the total, whole-municipality cells of the same measure and year.
with indicators as (
    select * from {{ ref('int_goal__indicator_values') }}
    where cell_enhet is null and {{ year_filter() }}
),

municipal_values as (
    select f.measure_id, f.kommunkod, f.year, f.value
    from {{ ref('fct_measure_value') }} f
    join {{ ref('dim_kommun') }} k on k.kommunkod = f.kommunkod and k.typ = 'kommun'
    where f.enhet is null and f.group_type = 'total' and f.value is not null and {{ year_filter('f.year') }}
),

riket as (
    select measure_id, year, value
    from {{ ref('fct_measure_value') }}
    where kommunkod = '0000' and group_type = 'total' and {{ year_filter() }}
),

peer_sets as (
    select i.indicator_id, i.kommunkod, i.year, p.peer
    from indicators i
    join {{ ref('stg_styrmodell__settings') }} s using (kommunkod, year),
         unnest(list_distinct(list_append(s.jamforelsekommuner, i.kommunkod))) p (peer)
),

peers as (
    select ps.indicator_id, ps.kommunkod, ps.year,
           count(mv.value) as peer_count,
           median(mv.value) as peer_median,
           1 + count(*) filter (where {{ better_than('mv.value', 'i.value', 'i.direction') }}) as rank_if_valued
    from peer_sets ps
    join indicators i using (indicator_id, kommunkod, year)
    left join municipal_values mv on mv.measure_id = i.measure_id and mv.year = ps.year and mv.kommunkod = ps.peer
    group by all
),

national as (
    select i.indicator_id, i.kommunkod, i.year,
           count(mv.value) as national_count,
           1 + count(*) filter (where {{ better_than('mv.value', 'i.value', 'i.direction') }}) as rank_if_valued
    from indicators i
    left join municipal_values mv on mv.measure_id = i.measure_id and mv.year = i.year
    group by all
)

select
    i.indicator_id, i.kommunkod, i.year,
    p.peer_median,
    case when i.value is not null then p.rank_if_valued end as peer_rank,
    p.peer_count,
    r.value as national_value,
    case when i.value is not null then n.rank_if_valued end as national_rank,
    n.national_count
from indicators i
left join peers p using (indicator_id, kommunkod, year)
left join national n using (indicator_id, kommunkod, year)
left join riket r on r.measure_id = i.measure_id and r.year = i.year
