-- One row per line of a completed order up to the as-of date: its product (category), order,
-- customer and day, and its net revenue in USD (NULL when the order does not convert).
select
    {{ concat_key(['lines.order_id', 'lines.line_number']) }} as order_line_id,
    lines.order_id,
    lines.customer_id,
    lines.product_id,
    lines.order_date,
    lines.quantity,
    case when lines.is_convertible then lines.net_revenue_usd end as revenue_usd
from {{ ref('fct_order_lines') }} as lines
where lines.is_completed and lines.order_date <= {{ as_of() }}
