-- customer_acquisition_cost: marketing_spend ÷ new_customers, where new customers are those
-- whose first completed order ever is in p (int_customers_first_orders, shared with
-- kpi_new_customers). The new-customer count needs no money, so a customer whose first order is
-- in a currency without a rate still counts; unconvertible spend rows are left out of the spend.
with periods as (
    {{ kpi_periods('ratio') }}
),

spend as (
    select * from {{ ref('kpi_marketing_spend') }}
),

first_orders as (
    select * from {{ ref('int_customers_first_orders') }}
),

new_customers as (
    select
        periods.grain,
        periods.period_start,
        count(first_orders.customer_id) as new_customers
    from periods
    left join first_orders
        on first_orders.first_completed_order_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    periods.grain,
    periods.period_start,
    {{ safe_divide('spend.value', 'new_customers.new_customers') }} as value,
    cast(spend.value as double) as numerator,
    cast(new_customers.new_customers as double) as denominator,
    spend.fx_needed,
    spend.unconvertible_count
from periods
inner join spend on periods.grain = spend.grain and periods.period_start = spend.period_start
inner join new_customers
    on periods.grain = new_customers.grain and periods.period_start = new_customers.period_start
