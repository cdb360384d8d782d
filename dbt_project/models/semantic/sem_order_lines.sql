-- One row per line of a completed order up to the as-of date: its product (category), order,
-- customer and day, its net revenue in USD and its COGS (quantity × products.unit_cost), both
-- NULL when the order does not convert (kpis.md, Money).
select
    {{ concat_key(['lines.order_id', 'lines.line_number']) }} as order_line_id,
    lines.order_id,
    lines.customer_id,
    lines.product_id,
    lines.order_date,
    lines.quantity,
    case when lines.is_convertible then lines.net_revenue_usd end as revenue_usd,
    case when lines.is_convertible then lines.quantity * products.unit_cost end as cogs_usd
from {{ ref('fct_order_lines') }} as lines
left join {{ ref('stg_sales__products') }} as products on lines.product_id = products.product_id
where lines.is_completed and lines.order_date <= {{ as_of() }}
