-- Per customer, day (up to the as-of date), product and convertibility: the completed orders,
-- their quantity and net revenue (USD), for the revenue bridge (kpis.md, "Revenue bridge"). An
-- order that cannot be converted is left out of every money figure: it gives a row with
-- product_id, quantity and revenue NULL and is_convertible false, so its customer is still
-- active (and its orders can be counted). A completed order without lines is a convertible row
-- with product_id NULL and 0 quantity and revenue.
with orders as (
    select
        order_id,
        customer_id,
        order_date,
        needs_fx,
        is_convertible
    from {{ ref('fct_orders') }}
    where is_completed and order_date <= {{ as_of() }}
),

order_lines as (
    select
        orders.order_id,
        orders.customer_id,
        orders.order_date,
        orders.needs_fx,
        orders.is_convertible,
        case when orders.is_convertible then lines.product_id end as product_id,
        case when orders.is_convertible then coalesce(lines.quantity, 0) end as quantity,
        case when orders.is_convertible then coalesce(lines.net_revenue_usd, 0) end as net_revenue_usd
    from orders
    left join {{ ref('fct_order_lines') }} as lines on orders.order_id = lines.order_id
)

select
    customer_id,
    order_date as day,
    product_id,
    is_convertible,
    bool_or(needs_fx) as needs_fx,
    count(distinct order_id) as order_count,
    sum(quantity) as quantity,
    sum(net_revenue_usd) as net_revenue_usd
from order_lines
group by customer_id, order_date, product_id, is_convertible
