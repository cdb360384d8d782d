{#- Convert a money amount to USD with the rate joined from int_fx_rates_daily (the latest
    rate_date on or before the row's date). NULL when the amount cannot be converted. -#}
{% macro to_usd(amount, currency, rate) -%}
    case when {{ currency }} = 'USD' then cast({{ amount }} as double) else cast({{ amount }} as double) * {{ rate }} end
{%- endmacro %}

{#- The join that brings the rate of `currency_expr` on `date_expr` in as `<alias>.usd_per_unit`. -#}
{% macro join_fx_rate(currency_expr, date_expr, alias='fx') -%}
    left join {{ ref('int_fx_rates_daily') }} as {{ alias }}
        on {{ alias }}.currency = {{ currency_expr }}
        and {{ alias }}.rate_day = cast({{ date_expr }} as date)
{%- endmacro %}
