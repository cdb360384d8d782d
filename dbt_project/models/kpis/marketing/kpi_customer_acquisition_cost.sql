-- customer_acquisition_cost: marketing_spend ÷ new_customers, both over p (up to its measurement
-- day), built from the two KPIs. New customers (first completed order ever in p) need no money,
-- so a customer whose first order is in a currency without a rate still counts; unconvertible
-- spend rows are left out of the spend (and reported through marketing_spend).
with periods as (
    {{ kpi_periods('ratio') }}
),

spend as (
    select * from {{ ref('kpi_marketing_spend') }}
),

new_customers as (
    select * from {{ ref('kpi_new_customers') }}
)

select
    periods.grain,
    periods.period_start,
    {{ safe_divide('spend.value', 'new_customers.value') }} as value,
    cast(spend.value as double) as numerator,
    cast(new_customers.value as double) as denominator,
    spend.fx_needed,
    spend.unconvertible_count
from periods
inner join spend on periods.grain = spend.grain and periods.period_start = spend.period_start
inner join new_customers on periods.grain = new_customers.grain and periods.period_start = new_customers.period_start
