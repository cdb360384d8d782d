-- repeat_purchase_rate: the share of A(p) with a completed order before the start of p, i.e.
-- whose first completed order ever is before period_start. Counts that need no money.
with active as (
    select * from {{ ref('int_active_customers_by_period') }}
),

first_orders as (
    select * from {{ ref('int_customers_first_orders') }}
),

periods as (
    {{ kpi_periods('ratio') }}
),

counted as (
    select
        periods.grain,
        periods.period_start,
        count(active.customer_id) filter (
            where first_orders.first_completed_order_date < periods.period_start
        ) as repeat_customers,
        count(active.customer_id) as active_customers
    from periods
    left join active
        on
            periods.grain = active.grain
            and periods.period_start = active.period_start
    left join first_orders
        on active.customer_id = first_orders.customer_id
    group by periods.grain, periods.period_start
)

select
    grain,
    period_start,
    {{ safe_divide('repeat_customers', 'active_customers') }} as value,
    cast(repeat_customers as double) as numerator,
    cast(active_customers as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from counted
