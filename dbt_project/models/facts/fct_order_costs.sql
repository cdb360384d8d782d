-- One row per order with lines: its COGS, Σ quantity × products.unit_cost (USD; the current
-- standard cost, applied to every period, kpis.md). A changed product re-opens every order.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ reopen_changed_rows(['orders', 'order_lines'], 'order_date', every_date_tables=['products']) }}",
    post_hook="{{ record_watermark() }}"
) }}

with lines as (
    select * from {{ ref('stg_sales__order_lines') }}
),

products as (
    select
        product_id,
        unit_cost
    from {{ ref('stg_sales__products') }}
),

orders as (
    select
        order_id,
        event_date
    from {{ ref('stg_sales__orders') }}
)

select
    lines.order_id,
    orders.event_date as order_date,
    cast(sum(lines.quantity * products.unit_cost) as decimal(38, 4)) as cogs_usd
from lines
inner join products on lines.product_id = products.product_id
inner join orders on lines.order_id = orders.order_id
{% if is_incremental() %}
    where {{ changed_rows(['orders', 'order_lines'], 'orders.event_date', every_date_tables=['products']) }}
{% endif %}
group by lines.order_id, orders.event_date
{{ in_key_order('order_date') }}
