-- new_customers: customers whose first completed order ever falls in p. Flow. A count that needs
-- no money: a first order in a currency without a rate still makes a new customer.
with first_orders as (
    select * from {{ ref('int_customers_first_orders') }}
),

periods as (
    {{ kpi_periods('flow') }}
)

select
    periods.grain,
    periods.period_start,
    count(first_orders.customer_id) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join first_orders
    on first_orders.first_completed_order_date between periods.period_start and periods.measure_date
group by periods.grain, periods.period_start
