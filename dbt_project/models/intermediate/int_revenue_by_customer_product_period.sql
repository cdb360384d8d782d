-- Per grain (month, quarter, year), period (up to its measurement day), customer, product and
-- convertibility: completed orders, quantity and net revenue (USD). The current window of every
-- period; a complete period's comparison window is the current window of its previous or
-- year-ago period (the revenue bridge joins them by period_start). Days get their period keys
-- by date_trunc: rows, not rows × periods.
-- Incremental by period (macros/incremental_facts.sql, period_reopened): a night builds again
-- the periods of the changed order dates, of a changed fx rate and of the as-of date only; a
-- night that only adds days sums them into the open periods' rows of the customers they touch
-- (appended_after).
{% set tables = ['orders', 'order_lines'] %}
{% set frontier = incremental_by_period(tables, carry={'days': 'int_revenue_customer_product_days', 'day': 'day', 'key': 'customer_id'}) %}
{% set columns = ['grain', 'period_start', 'customer_id', 'product_id', 'is_convertible', 'needs_fx', 'order_count', 'quantity', 'net_revenue_usd'] %}

with days as (
    select
        grains.grain,
        {{ period_start('grains.grain', 'days.day') }} as period_start,
        days.customer_id,
        days.product_id,
        days.is_convertible,
        days.needs_fx,
        days.order_count,
        days.quantity,
        days.net_revenue_usd
    from {{ ref('int_revenue_customer_product_days') }} as days
    cross join {{ grains('ratio') }} as grains
    where
        days.day <= {{ as_of() }}
        {{- reopened_days('days.day', tables, frontier=frontier) }}
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
    product_id,
    is_convertible,
    bool_or(needs_fx) as needs_fx,
    sum(order_count) as order_count,
    sum(quantity) as quantity,
    sum(net_revenue_usd) as net_revenue_usd
from period_rows
group by grain, period_start, customer_id, product_id, is_convertible
{{ in_key_order('grain, period_start') }}
