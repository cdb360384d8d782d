-- gross_margin: (revenue − cogs) ÷ revenue over the completed orders of p. An order whose revenue
-- cannot be converted is left out of both revenue and COGS (int_orders_costed).
with orders as (
    select * from {{ ref('int_orders_costed') }}
    where is_completed
),

periods as (
    {{ kpi_periods('ratio') }}
),

summed as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(orders.net_revenue_usd) filter (where orders.is_convertible), 0) as revenue,
        coalesce(sum(orders.cogs_usd) filter (where orders.is_convertible), 0) as cogs,
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
    {{ safe_divide('revenue - cogs', 'revenue') }} as value,
    revenue - cogs as numerator,
    revenue as denominator,
    fx_needed,
    unconvertible_count
from summed
