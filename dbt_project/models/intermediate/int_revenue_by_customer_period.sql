-- Per grain (month, quarter, year), period (up to its measurement day) and customer with a
-- completed order there: the net revenue (USD) of its convertible completed orders (0 when
-- none converts). The same customers as int_active_customers_by_period, with their money: the
-- revenue bridge's customer side. Each customer-day gets its period keys by date_trunc.
select
    grains.grain,
    {{ period_start('grains.grain', 'customer_days.day') }} as period_start,
    customer_days.customer_id,
    sum(customer_days.net_revenue_usd) as net_revenue_usd
from {{ ref('int_customer_order_days') }} as customer_days
cross join {{ grains('ratio') }} as grains
group by 1, 2, 3
