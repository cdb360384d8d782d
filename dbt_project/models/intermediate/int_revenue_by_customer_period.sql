-- Per grain (month, quarter, year), period (up to its measurement day) and customer with a
-- completed order there: the net revenue (USD) of its convertible completed orders (0 when
-- none converts). The same customers as int_active_customers_by_period, with their money: the
-- revenue bridge's customer side. Each customer-day gets its period keys by date_trunc.
-- Incremental by period, like int_revenue_by_customer_product_period (a changed product changes
-- no net revenue, only int_customer_order_days' gross profit).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_periods(['orders', 'order_lines']) }}",
    post_hook="{{ record_watermark() }}"
) }}

with days as (
    select
        grains.grain,
        {{ period_start('grains.grain', 'customer_days.day') }} as period_start,
        customer_days.customer_id,
        customer_days.net_revenue_usd
    from {{ ref('int_customer_order_days') }} as customer_days
    cross join {{ grains('ratio') }} as grains
    where
        customer_days.day <= {{ as_of() }}
        {% if is_incremental() -%}
            and customer_days.day >= {{ reopen_from(['orders', 'order_lines']) }}
        {%- endif %}
)

select
    grain,
    period_start,
    customer_id,
    sum(net_revenue_usd) as net_revenue_usd
from days
{% if is_incremental() -%}
    where {{ period_missing('days.grain', 'days.period_start') }}
{%- endif %}
group by grain, period_start, customer_id
