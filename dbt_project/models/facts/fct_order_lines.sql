-- One row per order line with its order's customer, date, status and currency, its net revenue
-- (quantity × unit_price − discount_amount) in the order's currency and in USD at the order
-- date's rate (exact decimals). The grain of the revenue bridge's price and volume effects.
-- Incremental like fct_orders.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['orders', 'order_lines'], 'order_date', 'currency') }}",
    post_hook="{{ record_watermark() }}"
) }}

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
    (orders.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible,
    cast(lines.quantity * lines.unit_price - lines.discount_amount as decimal(20, 4)) as net_revenue_local,
    {{ to_usd('lines.quantity * lines.unit_price - lines.discount_amount', 'orders.currency', 'fx.usd_per_unit') }}
        as net_revenue_usd
from lines
inner join orders on lines.order_id = orders.order_id
{{ join_fx_rate('orders.currency', 'orders.event_date') }}
{% if is_incremental() %}
    where {{ changed_rows(['orders', 'order_lines'], 'orders.event_date', 'orders.currency') }}
{% endif %}
{{ in_key_order('order_date') }}
