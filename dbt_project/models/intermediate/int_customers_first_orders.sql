-- One row per customer with a completed order (as-of rule applied): the date of its first
-- completed order ever (kpis.md, new_customers: "customers whose first completed order ever is
-- in p"). A count that needs no money: orders in a currency without a rate count too.
with orders as (
    select * from {{ ref('stg_sales__orders') }}
    where status = 'completed'
)

select
    customer_id,
    min(event_date) as first_completed_order_date
from orders
group by customer_id
