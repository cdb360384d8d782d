-- One row per customer with a completed order by the as-of date: the date of its first completed
-- order ever (kpis.md, new_customers). A count that needs no money: orders in a currency without
-- a rate count too.
select
    customer_id,
    min(event_date) as first_completed_order_date
from {{ ref('stg_sales__orders') }}
where status = 'completed' and event_date <= {{ as_of() }}
group by customer_id
