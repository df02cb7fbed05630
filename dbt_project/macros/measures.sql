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

{#- The own group of a unit (contract section 3, amended 2026-11-30): the respondents attached to
    the unit itself, in its cell but in no child's cell, so the unit's cell minus its children's
    gives them back. Over a relation of question cells with columns measure_id, kommunkod, year,
    split_key, n_answers and unit_code (the code of the unit whose cell it is: enhet, the root's
    code for the municipality cell, null for a background group), this adds own_n = the unit's n
    minus the sum of its children's n (the cells whose split_key is 'enhet:' || unit_code; 0 when
    it has none). An aggregate's own group is the smallest own_n of its questions (the aggregate
    model takes min(own_n) as it takes min(n_answers)). -#}
{% macro with_own_group_n(cells) -%}
  select c.*,
         case when c.unit_code is not null then c.n_answers - coalesce(k.children_n, 0) end as own_n
  from {{ cells }} c
  left join (
      select measure_id, kommunkod, year, split_key, sum(n_answers) as children_n
      from {{ cells }}
      where starts_with(split_key, 'enhet:')
      group by all
  ) k
    on k.measure_id = c.measure_id and k.kommunkod = c.kommunkod and k.year = c.year
   and k.split_key = 'enhet:' || c.unit_code
{%- endmacro %}

{#- Suppression pass (contract section 3), over a relation of cells with columns measure_id,
    kommunkod, year, enhet, group_value, split_key, n_answers, limit_n, forced (an aggregate
    whose question is suppressed), unit_code and own_n (see with_own_group_n).
    Each split of the children of a unit has one more member, that unit's own group (n = own_n,
    tie-break key = unit_code, never output as a row; with n = 0 no member).
    (a) a cell is suppressed when n is below the limit or it is forced; the own group when
        0 < n < limit. (b) in a split with exactly one member suppressed by (a), the other member
    with the smallest n (ties: lowest enhet, else group_value, the own group's unit_code, in text
    order) is suppressed too; when that is the own group, nothing more is hidden. -#}
{% macro suppression_flags(cells) -%}
  select * from (
    with flagged as (
        select *, false as is_own_group, coalesce(enhet, group_value) as tie_key,
               (n_answers < limit_n or coalesce(forced, false)) as primary_suppressed
        from {{ cells }}
        union all by name
        select measure_id, kommunkod, year, 'enhet:' || unit_code as split_key,
               own_n as n_answers, limit_n, true as is_own_group, unit_code as tie_key,
               own_n < limit_n as primary_suppressed
        from {{ cells }}
        where unit_code is not null and own_n > 0
    ),

    -- per split: its members suppressed by (a), and the member (b) would pick, the smallest n
    -- among the others (tie keys are unique within a split), by a grouping, not a sorting window
    splits as (
        select measure_id, kommunkod, year, split_key,
               count_if(primary_suppressed) as n_primary_in_split,
               arg_min(tie_key, (n_answers, tie_key)) filter (where not primary_suppressed) as complement_key
        from flagged
        where split_key is not null
        group by measure_id, kommunkod, year, split_key
    )

    select f.* exclude (is_own_group, tie_key), s.n_primary_in_split,
           case when s.n_primary_in_split = 1 and f.tie_key = s.complement_key then 1 end as complement_rank,
           f.primary_suppressed or coalesce(s.n_primary_in_split = 1 and f.tie_key = s.complement_key, false) as suppressed
    from flagged f
    left join splits s using (measure_id, kommunkod, year, split_key)
    where not f.is_own_group
  ) suppression_pass
{%- endmacro %}
