-- A(p): one row per grain (month, quarter, year), period and customer with at least one completed
-- order in the period up to its measurement day (kpis.md, "Active customers"), with the net
-- revenue (USD) of its convertible completed orders there (the revenue bridge's customer side).
-- Each customer-day gets its period keys by date_trunc (an equi-join, rows not rows × periods).
-- A complete period is the full period, so A(p−1) is the row set at period_start = p's
-- previous_start. A count that needs no money: orders in a currency without a rate still make a
-- customer active (with 0 revenue when it has no other order there).
select
    grains.grain,
    {{ period_start('grains.grain', 'customer_days.day') }} as period_start,
    customer_days.customer_id,
    sum(customer_days.net_revenue_usd) as net_revenue_usd
from {{ ref('int_customer_order_days') }} as customer_days
cross join {{ grains('count') }} as grains
group by 1, 2, 3
