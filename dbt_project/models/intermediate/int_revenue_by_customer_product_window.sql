-- Net revenue and quantity of completed orders per customer and product, in the windows a
-- revenue comparison needs (kpis.md, "To-date comparisons"), at the month, quarter and year grains:
--   current  = p up to its measurement day,
--   previous = p−1 (to date for an incomplete p: previous_start .. previous_to_date_end),
--   year_ago = p−1y (to date for an incomplete p: year_ago_start .. year_ago_to_date_end).
-- The one place the to-date revenue logic lives: revenue_growth, revenue_growth_yoy and the
-- revenue bridge all read it.
--
-- Lines are converted at their order's order_ts-date rate. An order that cannot be converted is
-- left out of every money figure: it gets one row per customer with product_id, quantity and
-- net_revenue_usd NULL and is_convertible false, so its orders can still be counted. A completed
-- order without lines is a convertible row with product_id NULL and 0 quantity and revenue.
with orders as (
    select
        order_id,
        customer_id,
        order_date,
        needs_fx,
        is_convertible
    from {{ ref('int_orders_converted_to_usd') }}
    where is_completed
),

lines as (
    select
        order_id,
        product_id,
        quantity,
        net_revenue_usd
    from {{ ref('int_order_lines_converted_to_usd') }}
),

periods as (
    select * from {{ ref('int_periods') }}
    where grain in ('month', 'quarter', 'year')
),

windows as (
    select
        grain,
        period_start,
        'current' as window_name,
        period_start as window_start,
        measure_date as window_end
    from periods
    union all
    select
        grain,
        period_start,
        'previous' as window_name,
        previous_start,
        previous_to_date_end
    from periods
    union all
    select
        grain,
        period_start,
        'year_ago' as window_name,
        year_ago_start,
        year_ago_to_date_end
    from periods
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
    left join lines on orders.order_id = lines.order_id
)

select
    windows.grain,
    windows.period_start,
    windows.window_name,
    windows.window_start,
    windows.window_end,
    order_lines.customer_id,
    order_lines.product_id,
    order_lines.is_convertible,
    bool_or(order_lines.needs_fx) as needs_fx,
    count(distinct order_lines.order_id) as order_count,
    sum(order_lines.quantity) as quantity,
    sum(order_lines.net_revenue_usd) as net_revenue_usd
from windows
inner join order_lines
    on order_lines.order_date between windows.window_start and windows.window_end
group by all
