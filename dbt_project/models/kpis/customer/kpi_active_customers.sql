-- active_customers: |A(p)|, the customers with at least one completed order in p.
-- A count that needs no money: unconvertible orders still count.
with active as (
    select * from {{ ref('int_active_customers_by_period') }}
),

periods as (
    {{ kpi_periods('count') }}
)

select
    periods.grain,
    periods.period_start,
    count(active.customer_id) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join active
    on
        periods.grain = active.grain
        and periods.period_start = active.period_start
group by periods.grain, periods.period_start
