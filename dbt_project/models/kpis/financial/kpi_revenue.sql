-- revenue: Σ net revenue (USD) of completed orders with order_ts in p. Flow.
with orders as (
    select * from {{ ref('int_orders_converted_to_usd') }}
    where is_completed
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(sum(orders.net_revenue_usd), 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    coalesce(bool_or(orders.needs_fx), false) as fx_needed,
    count(orders.order_id) filter (where not orders.is_convertible) as unconvertible_count
from periods
left join orders
    on orders.order_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start
