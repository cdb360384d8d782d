{#- A ratio is NULL on a zero (or NULL) denominator, never 0 or an error. -#}
{% macro safe_divide(numerator, denominator) -%}
    (cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0))
{%- endmacro %}
