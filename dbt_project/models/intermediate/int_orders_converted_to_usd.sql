-- One row per order (as-of rule applied), its net revenue in its own currency and in USD.
-- Net revenue = Σ over its lines of quantity × unit_price − discount_amount (kpis.md), converted
-- at the rate of the order_ts date. net_revenue_usd is NULL when no rate exists on or before it.
with orders as (
    select * from {{ ref('stg_sales__orders') }}
),

lines as (
    select
        order_id,
        sum(quantity * unit_price - discount_amount) as net_revenue_local,
        sum(quantity) as units
    from {{ ref('stg_sales__order_lines') }}
    group by order_id
)

select
    orders.order_id,
    orders.customer_id,
    orders.order_ts,
    orders.event_date as order_date,
    orders.status,
    orders.status = 'completed' as is_completed,
    orders.currency,
    orders.currency <> 'USD' as needs_fx,
    coalesce(lines.net_revenue_local, 0) as net_revenue_local,
    coalesce(lines.units, 0) as units,
    {{ to_usd('coalesce(lines.net_revenue_local, 0)', 'orders.currency', 'fx.usd_per_unit') }} as net_revenue_usd,
    (orders.currency = 'USD' or fx.usd_per_unit is not null) as is_convertible
from orders
left join lines on orders.order_id = lines.order_id
{{ join_fx_rate('orders.currency', 'orders.event_date') }}
