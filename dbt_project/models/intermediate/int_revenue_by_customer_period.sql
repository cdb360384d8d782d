-- Per grain (month, quarter, year), period (up to its measurement day) and customer with a
-- completed order there: the net revenue (USD) of its convertible completed orders (0 when
-- none converts). The same customers as int_active_customers_by_period, with their money: the
-- revenue bridge's customer side. Each customer-day gets its period keys by date_trunc.
-- Incremental by period, like int_revenue_by_customer_product_period (a changed product changes
-- no net revenue, only int_customer_order_days' gross profit; a night that only adds days sums
-- them into the open periods' rows of the customers they touch).
{% set tables = ['orders', 'order_lines'] %}
{% set frontier = incremental_by_period(tables, carry={'days': 'int_customer_order_days', 'day': 'day', 'key': 'customer_id'}) %}
{% set columns = ['grain', 'period_start', 'customer_id', 'net_revenue_usd'] %}

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
        {{- reopened_days('customer_days.day', tables, frontier=frontier) }}
),

period_rows as (
    select {{ columns | join(', ') }} from days
    {{ only_missing_periods('days.grain', 'days.period_start', frontier) }}
    {{- carried_rows(columns, frontier) }}
)

select
    grain,
    period_start,
    customer_id,
    sum(net_revenue_usd) as net_revenue_usd
from period_rows
group by grain, period_start, customer_id
{{ in_key_order('grain, period_start') }}
