-- Per order day (up to the as-of date): the net revenue (USD) of the completed orders that at
-- least one web session with a non-empty campaign_id points to (an order counts once however
-- many sessions point to it; kpis.md, marketing_roi). The sessions are those started by the
-- as-of date; the session may be in any period, the order's date places it.
with campaign_orders as (
    select distinct order_id
    from {{ ref('fct_web_sessions') }}
    where
        coalesce(campaign_id, '') <> ''
        and order_id is not null
        and session_date <= {{ as_of() }}
),

orders as (
    select orders.*
    from {{ ref('fct_orders') }} as orders
    inner join campaign_orders on orders.order_id = campaign_orders.order_id
    where orders.is_completed and orders.order_date <= {{ as_of() }}
)

select
    order_date as day,
    coalesce(sum(net_revenue_usd) filter (where is_convertible), 0) as attributed_revenue_usd,
    count(*) filter (where not is_convertible) as unconvertible_orders,
    coalesce(bool_or(needs_fx), false) as fx_needed
from orders
group by order_date
