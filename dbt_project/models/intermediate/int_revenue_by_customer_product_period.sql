-- Per grain (month, quarter, year), period (up to its measurement day), customer, product and
-- convertibility: completed orders, quantity and net revenue (USD). The current window of every
-- period; a complete period's comparison window is the current window of its previous or
-- year-ago period (the revenue bridge joins them by period_start). Days get their period keys
-- by date_trunc: rows, not rows × periods.
select
    grains.grain,
    {{ period_start('grains.grain', 'days.day') }} as period_start,
    days.customer_id,
    days.product_id,
    days.is_convertible,
    bool_or(days.needs_fx) as needs_fx,
    sum(days.order_count) as order_count,
    sum(days.quantity) as quantity,
    sum(days.net_revenue_usd) as net_revenue_usd
from {{ ref('int_revenue_customer_product_days') }} as days
cross join {{ grains('ratio') }} as grains
group by all
