{#- Every non-null value is a finite number: nothing that is NaN, Infinity or -Infinity is ever
    published (contract section 4). The ingest refuses such raw values; this is the second line,
    on what the marts hold. -#}
{% test finite(model, column_name) %}
select {{ column_name }} from {{ model }}
where {{ column_name }} is not null and not isfinite({{ column_name }})
{% endtest %}
