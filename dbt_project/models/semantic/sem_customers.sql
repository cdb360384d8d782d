-- One row per customer with a completed order up to the as-of date: its attributes (segment,
-- country, acquisition channel; "unknown" when the customers table lacks it) and the day of its
-- first completed order, the time dimension of new_customers.
select
    firsts.customer_id,
    firsts.first_completed_order_date as first_order_date,
    coalesce(customers.segment, 'unknown') as segment,
    coalesce(customers.country, 'unknown') as country,
    coalesce(customers.acquisition_channel, 'unknown') as acquisition_channel
from {{ ref('int_customers_first_orders') }} as firsts
left join {{ ref('stg_sales__customers') }} as customers on firsts.customer_id = customers.customer_id
