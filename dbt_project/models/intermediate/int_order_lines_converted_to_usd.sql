-- One row per order line of an order that exists at the as-of date, with its order's customer,
-- date, status and currency, and its net revenue converted to USD at the order date's rate.
with lines as (
    select * from {{ ref('stg_sales__order_lines') }}
),

orders as (
    select * from {{ ref('stg_sales__orders') }}
)

select
    lines.order_id,
    lines.line_number,
    lines.product_id,
    lines.quantity,
    orders.customer_id,
    orders.event_date as order_date,
    orders.status,
    orders.status = 'completed' as is_completed,
    orders.currency,
    orders.currency <> 'USD' as needs_fx,
    lines.quantity * lines.unit_price - lines.discount_amount as net_revenue_local,
    {{ to_usd('lines.quantity * lines.unit_price - lines.discount_amount', 'orders.currency', 'fx.usd_per_unit') }}
        as net_revenue_usd,
    (orders.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible
from lines
inner join orders on lines.order_id = orders.order_id
{{ join_fx_rate('orders.currency', 'orders.event_date') }}
