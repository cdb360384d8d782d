-- A(p): one row per grain (month, quarter, year), period and customer with at least one completed
-- order in the period up to its measurement day ([period_start, measure_date]; kpis.md, "Active
-- customers"). A complete period is the full period, so A(p−1) is the row set at
-- period_start = p's previous_start. A count that needs no money: orders in a currency without
-- a rate still make a customer active.
with completed_orders as (
    select
        customer_id,
        event_date
    from {{ ref('stg_sales__orders') }}
    where status = 'completed'
),

periods as (
    {{ kpi_periods('count') }}
)

select distinct
    periods.grain,
    periods.period_start,
    completed_orders.customer_id
from periods
inner join completed_orders
    on completed_orders.event_date between periods.period_start and periods.measure_date
