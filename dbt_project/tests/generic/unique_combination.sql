{#- No two rows share the same values of `columns` (nulls compare equal).
    Exact, in two passes: the rows are grouped by one 64-bit hash of the columns first (a national
    fct_measure_value, 11.9 million rows: ~1.3 s against ~2.5 s grouped by its six columns), and
    only the rows of a hash seen twice are grouped by the columns themselves, so a collision of two
    different keys is no finding. -#}
{% test unique_combination(model, columns) %}
{%- set key = columns | join(', ') %}
with repeated_hashes as (
    select hash({{ key }}) as key_hash
    from {{ model }}
    group by key_hash
    having count(*) > 1
)

select {{ key }}, count(*) as n
from {{ model }}
where hash({{ key }}) in (select key_hash from repeated_hashes)
group by {{ key }}
having count(*) > 1
{% endtest %}
