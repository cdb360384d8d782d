-- active_customers: |A(p)|, the customers with at least one completed order in p.
-- A count that needs no money: unconvertible orders still count.
with orders as (
    select * from {{ ref('stg_sales__orders') }}
    where status = 'completed'
),

periods as (
    {{ kpi_periods('count') }}
)

select
    periods.grain,
    periods.period_start,
    count(distinct orders.customer_id) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join orders
    on orders.event_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start
