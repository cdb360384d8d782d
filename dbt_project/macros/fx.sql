{#- Money in USD, exactly: an amount (at most 4 decimals) times the day's rate (a decimal of 12
    places; 1 for USD) is a DECIMAL(38,16), and sums of it are exact and the same on every run.
    NULL when the amount cannot be converted (no rate on or before its date). -#}
{% macro to_usd(amount, currency, rate) -%}
    (cast({{ amount }} as decimal(20, 4)) * case when {{ currency }} = 'USD' then cast(1 as decimal(18, 12)) else {{ rate }} end)
{%- endmacro %}

{#- The join that brings the rate of `currency_expr` on `date_expr` in as `<alias>.usd_per_unit`
    (int_fx_rates_daily: the latest rate_date on or before each day). -#}
{% macro join_fx_rate(currency_expr, date_expr, alias='fx') -%}
    left join {{ ref('int_fx_rates_daily') }} as {{ alias }}
        on {{ alias }}.currency = {{ currency_expr }}
        and {{ alias }}.rate_day = cast({{ date_expr }} as date)
{%- endmacro %}
