-- One row per order with its net revenue (USD) and its COGS: Σ quantity × products.unit_cost
-- (the current standard cost, applied to every period; unit_cost is already USD).
-- An order whose revenue cannot be converted is unconvertible as a whole: kpis.md leaves it
-- out of every money figure, its COGS included.
with orders as (
    select * from {{ ref('int_orders_converted_to_usd') }}
),

line_costs as (
    select
        lines.order_id,
        sum(lines.quantity * products.unit_cost) as cogs_usd
    from {{ ref('stg_sales__order_lines') }} as lines
    inner join {{ ref('stg_sales__products') }} as products on lines.product_id = products.product_id
    group by lines.order_id
)

select
    orders.*,
    case when orders.is_convertible then cast(coalesce(line_costs.cogs_usd, 0) as double) end as cogs_usd
from orders
left join line_costs on orders.order_id = line_costs.order_id
