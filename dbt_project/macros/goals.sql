{#- The contract's goal rules (section 5), one place each. -#}

{#- Indicator status: uppfyllt on the right side of the target, delvis uppfyllt on the right side
    of delvis_fran, else ej uppfyllt; no value (or suppressed) = kan ej bedömas. lagre mirrors hogre. -#}
{% macro indicator_status(value, target, partly_from, direction) -%}
  case
    when {{ value }} is null then 'kan ej bedömas'
    when {{ direction }} = 'hogre' and {{ value }} >= {{ target }} then 'uppfyllt'
    when {{ direction }} = 'lagre' and {{ value }} <= {{ target }} then 'uppfyllt'
    when {{ direction }} = 'hogre' and {{ partly_from }} is not null and {{ value }} >= {{ partly_from }} then 'delvis uppfyllt'
    when {{ direction }} = 'lagre' and {{ partly_from }} is not null and {{ value }} <= {{ partly_from }} then 'delvis uppfyllt'
    else 'ej uppfyllt'
  end
{%- endmacro %}

{#- Trend: förbättrad / försämrad when the change in the good / bad direction is at least the
    tolerance, else oförändrad; null without both values. 1e-9 absorbs binary rounding, so a
    change of exactly the tolerance in decimal counts as reaching it. -#}
{% macro trend(change, direction, tolerance) -%}
  case
    when {{ change }} is null then null
    when (case when {{ direction }} = 'lagre' then -({{ change }}) else {{ change }} end) >= {{ tolerance }} - 1e-9 then 'förbättrad'
    when (case when {{ direction }} = 'lagre' then {{ change }} else -({{ change }}) end) >= {{ tolerance }} - 1e-9 then 'försämrad'
    else 'oförändrad'
  end
{%- endmacro %}

{#- Rank among values (1 = best in the direction; ties share the best rank): 1 + how many are strictly better. -#}
{% macro better_than(other, own, direction) -%}
  (case when {{ direction }} = 'lagre' then {{ other }} < {{ own }} else {{ other }} > {{ own }} end)
{%- endmacro %}
