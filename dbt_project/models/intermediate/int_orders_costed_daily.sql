-- Per order day (up to the as-of date): revenue and COGS (USD) of the completed orders. An order
-- whose revenue cannot be converted is left out of every money figure, its COGS included
-- (kpis.md, Money), and counted as unconvertible.
-- Incremental by day (macros/incremental_facts.sql, incremental_by_day): a night builds again
-- the days whose orders or lines changed, the days on or after a changed fx rate, the days the
-- as-of date's move brings into or out of view, and every day when a product changed (its unit
-- cost is every order's COGS).
{{ incremental_by_day() }}

with orders as (
    select
        orders.order_date,
        orders.is_convertible,
        orders.needs_fx,
        orders.net_revenue_usd,
        coalesce(costs.cogs_usd, 0) as cogs_usd
    from {{ ref('fct_orders') }} as orders
    left join (
        select * from {{ ref('fct_order_costs') }} as order_costs
        where {{ days_to_build('order_costs.order_date') }}
    ) as costs on orders.order_id = costs.order_id
    where orders.is_completed and orders.order_date <= {{ as_of() }} and {{ days_to_build('orders.order_date') }}
)

select
    order_date as day,
    coalesce(sum(net_revenue_usd) filter (where is_convertible), 0) as revenue_usd,
    coalesce(sum(cogs_usd) filter (where is_convertible), 0) as cogs_usd,
    count(*) filter (where not is_convertible) as unconvertible_orders,
    coalesce(bool_or(needs_fx), false) as fx_needed
from orders
group by order_date
{{ in_key_order('day') }}
