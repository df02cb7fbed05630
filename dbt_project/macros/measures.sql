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

{#- Suppression pass (contract section 3), over a relation of cells with columns measure_id,
    kommunkod, year, enhet, group_value, split_key, n_answers, limit_n and forced (an aggregate
    whose question is suppressed). (a) n below the limit or forced; (b) in a split with exactly
    one cell suppressed by (a), the other cell with the smallest n (ties: lowest enhet, else
    group_value, in text order) is suppressed too. -#}
{% macro suppression_flags(cells) -%}
  select *,
         primary_suppressed
         or (split_key is not null and not primary_suppressed and n_primary_in_split = 1 and complement_rank = 1)
           as suppressed
  from (
      select *,
             sum(primary_suppressed::int) over split as n_primary_in_split,
             row_number() over (partition by measure_id, kommunkod, year, split_key, primary_suppressed
                                order by n_answers, coalesce(enhet, group_value)) as complement_rank
      from (select *, (n_answers < limit_n or coalesce(forced, false)) as primary_suppressed from {{ cells }}) a
      window split as (partition by measure_id, kommunkod, year, split_key)
  ) s
{%- endmacro %}
