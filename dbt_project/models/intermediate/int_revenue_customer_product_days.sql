-- Per customer, day, product, convertibility and need of fx: the completed orders, their
-- quantity and net revenue (USD), for the revenue bridge (kpis.md, "Revenue bridge"). Every
-- landed day, whatever the as-of date (its readers apply it). Incremental like fct_orders: a
-- night re-opens the order dates whose orders or lines changed, and the non-USD rows on or
-- after a changed fx rate (so needs_fx is part of the key, not an aggregate). An
-- order that cannot be converted is left out of every money figure: it gives a row with
-- product_id, quantity and revenue NULL and is_convertible false, so its customer is still
-- active (and its orders can be counted). A completed order without lines is a convertible row
-- with product_id NULL and 0 quantity and revenue.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['orders', 'order_lines'], 'day', needs_fx_column='needs_fx') }}",
    post_hook="{{ record_watermark() }}"
) }}

with orders as (
    select
        order_id,
        customer_id,
        order_date,
        needs_fx,
        is_convertible
    from {{ ref('fct_orders') }}
    where
        is_completed
        {% if is_incremental() -%}
            and {{ changed_rows(['orders', 'order_lines'], 'order_date', needs_fx_expr='needs_fx') }}
        {%- endif %}
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
    left join (
        select * from {{ ref('fct_order_lines') }}
        {% if is_incremental() -%}
            where {{ changed_rows(['orders', 'order_lines'], 'order_date', needs_fx_expr='needs_fx') }}
        {%- endif %}
    ) as lines on orders.order_id = lines.order_id
)

select
    customer_id,
    order_date as day,
    product_id,
    is_convertible,
    needs_fx,
    count(distinct order_id) as order_count,
    sum(quantity) as quantity,
    sum(net_revenue_usd) as net_revenue_usd
from order_lines
group by customer_id, order_date, product_id, is_convertible, needs_fx
{{ in_key_order('day') }}
