-- average_order_value: revenue ÷ number of completed orders in p, in USD. An order whose amount
-- cannot be converted is left out of both the revenue and the order count (kpis.md, "Money").
with orders as (
    select * from {{ ref('int_orders_converted_to_usd') }}
    where is_completed
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(orders.net_revenue_usd) filter (where orders.is_convertible), 0) as revenue_usd,
        count(orders.order_id) filter (where orders.is_convertible) as convertible_orders,
        coalesce(bool_or(orders.needs_fx), false) as fx_needed,
        count(orders.order_id) filter (where not orders.is_convertible) as unconvertible_count
    from periods
    left join orders
        on orders.order_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('revenue_usd', 'convertible_orders') }} as value,
    cast(revenue_usd as double) as numerator,
    cast(convertible_orders as double) as denominator,
    fx_needed,
    unconvertible_count
from counted
