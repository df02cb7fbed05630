{#- The contract's measure formulas (section 3), one place each.
    Cells carry sufficient statistics of their valid answers: n, sw = sum(w), swx = sum(w x),
    swx2 = sum(w x^2), sw2 = sum(w^2); for verbal4 questions x is 1 for answers 1-2, else 0.
    Sums add up over a unit tree, so every cell is computed from sums, never from rows twice. -#}

{#- Question value: 1-K index (weighted mean mapped to 0..100) or verbal4 share in %. -#}
{% macro question_value(scale_kind, k, sw, swx) -%}
  case when {{ scale_kind }} = 'verbal4'
       then 100.0 * {{ swx }} / {{ sw }}
       else ({{ swx }} / {{ sw }} - 1) * 100.0 / ({{ k }} - 1) end
{%- endmacro %}

{#- Effective sample size n_eff = sum(w)^2 / sum(w^2). -#}
{% macro n_eff(sw, sw2) -%} ({{ sw }} * {{ sw }} / {{ sw2 }}) {%- endmacro %}

{#- Half width of the 95 % interval on the answer scale (index) or as a proportion (share).
    index: weighted variance s2 = sum(w (x-m)^2)/sum(w) * n_eff/(n_eff-1); half = 1.96 sqrt(s2/n_eff)
    share: half = 1.96 sqrt(p (1-p) / n_eff). Null where n_eff <= 1. -#}
{% macro ci_half_width(scale_kind, n, sw, swx, swx2, sw2) -%}
  case when {{ n_eff(sw, sw2) }} <= 1 + 1e-12 then null
       when {{ scale_kind }} = 'verbal4'
       then 1.96 * sqrt(greatest(({{ swx }} / {{ sw }}) * (1 - {{ swx }} / {{ sw }}), 0) / {{ n_eff(sw, sw2) }})
       else 1.96 * sqrt(greatest({{ swx2 }} / {{ sw }} - ({{ swx }} / {{ sw }}) * ({{ swx }} / {{ sw }}), 0)
                        * {{ n_eff(sw, sw2) }} / ({{ n_eff(sw, sw2) }} - 1) / {{ n_eff(sw, sw2) }}) end
{%- endmacro %}

{#- An interval bound mapped to the measure's scale and clipped to 0..100 (null where n_eff <= 1;
    guarded before the clip because greatest/least skip nulls). sign: -1 low, +1 high. -#}
{% macro ci_bound(sign, scale_kind, k, n, sw, swx, swx2, sw2) -%}
  case when {{ n_eff(sw, sw2) }} <= 1 + 1e-12 then null else
  least(100.0, greatest(0.0,
    case when {{ scale_kind }} = 'verbal4'
         then 100.0 * ({{ swx }} / {{ sw }} + ({{ sign }}) * {{ ci_half_width(scale_kind, n, sw, swx, swx2, sw2) }})
         else ({{ swx }} / {{ sw }} + ({{ sign }}) * {{ ci_half_width(scale_kind, n, sw, swx, swx2, sw2) }} - 1) * 100.0 / ({{ k }} - 1) end))
  end
{%- endmacro %}

{#- Suppression pass (contract section 3), over a relation of cells with columns year, kommunkod,
    enhet, group_value, n_answers, limit_n, forced (an aggregate whose question is suppressed),
    unit_code (the code of the unit whose cell it is: enhet, the root's code for the municipality's
    cell, null for a background group), own_n (the unit's own group, amended 2026-11-30: the
    answers on the unit itself, in its cell but in no child's; int_survey__question_cells sums
    them, an aggregate takes its questions' smallest) and the integer keys the splits group on:
    `measure_key` (the column that numbers the measure within the year), split_id (the cell's
    split: its parent unit's unit_key for a unit, minus the variable's number for a background
    group, null for the municipality) and owner_key (unit_code's unit_key).
    Each split of the children of a unit has one more member, that unit's own group (n = own_n,
    tie-break key = unit_code, never output as a row; with n = 0 no member).
    (a) a cell is suppressed when n is below the limit or it is forced; the own group when
        0 < n < limit. (b) in a split with exactly one member suppressed by (a), the other member
    with the smallest n (ties: lowest enhet, else group_value, the own group's unit_code, in text
    order) is suppressed too; when that is the own group, nothing more is hidden.
    The splits are counted over a narrow relation of their members (keys, n, tie key, (a)); the
    cells then take their split's verdict by a join. -#}
{% macro suppression_flags(cells, measure_key) -%}
  {%- set primary = '(n_answers < limit_n or coalesce(forced, false))' -%}  {#- (a) for a cell -#}
  {%- set tie_key = 'coalesce(enhet, group_value)' -%}
  select * from (
    with members as (
        select year, {{ measure_key }} as measure_key, kommunkod, split_id, n_answers, {{ tie_key }} as tie_key,
               {{ primary }} as primary_suppressed
        from {{ cells }}
        where split_id is not null
        union all
        -- a unit's own group, in the split of its children (split_id = the unit's key)
        select year, {{ measure_key }}, kommunkod, owner_key, own_n, unit_code, own_n < limit_n
        from {{ cells }}
        where owner_key is not null and own_n > 0
    ),

    -- per split: its members suppressed by (a), and the member (b) would pick, the smallest n
    -- among the others (tie keys are unique within a split), by a grouping, not a sorting window
    splits as (
        select year, measure_key, kommunkod, split_id,
               count_if(primary_suppressed) as n_primary_in_split,
               arg_min(tie_key, (n_answers, tie_key)) filter (where not primary_suppressed) as complement_key
        from members
        group by year, measure_key, kommunkod, split_id
    ),

    flagged as (
        select c.*, {{ primary }} as primary_suppressed,
               s.n_primary_in_split,
               s.n_primary_in_split = 1 and {{ tie_key }} = s.complement_key as is_complement
        from {{ cells }} c
        left join splits s
          on s.year = c.year and s.measure_key = c.{{ measure_key }} and s.kommunkod = c.kommunkod
         and s.split_id = c.split_id
    )

    select * exclude (is_complement),
           case when is_complement then 1 end as complement_rank,
           primary_suppressed or coalesce(is_complement, false) as suppressed
    from flagged
  ) suppression_pass
{%- endmacro %}
