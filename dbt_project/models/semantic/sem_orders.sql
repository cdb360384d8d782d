-- One row per completed order up to the as-of date (kpis.md, Sales): its day, channel and
-- currency, whether its amount converts to USD, its net revenue and COGS in USD (NULL when it
-- does not convert: left out of every money figure, its COGS included, kpis.md Money) and
-- whether a web session with a campaign points to it (marketing_roi's attributed revenue), and
-- that campaign (the smallest campaign_id when several sessions point to the order), so that
-- marketing_roi slices by campaign channel.
with campaign_orders as (
    select
        order_id,
        min(campaign_id) as campaign_id
    from {{ ref('fct_web_sessions') }}
    where coalesce(campaign_id, '') <> '' and order_id is not null and session_date <= {{ as_of() }}
    group by order_id
)

select
    orders.order_id,
    orders.customer_id,
    orders.order_date,
    orders.channel,
    orders.currency,
    orders.is_convertible,
    case when orders.is_convertible then orders.net_revenue_usd end as revenue_usd,
    case when orders.is_convertible then coalesce(costs.cogs_usd, 0) end as cogs_usd,
    case when orders.is_convertible and campaign_orders.order_id is not null then orders.net_revenue_usd end
        as attributed_revenue_usd,
    campaign_orders.campaign_id as attributed_campaign_id
from {{ ref('fct_orders') }} as orders
left join {{ ref('fct_order_costs') }} as costs on orders.order_id = costs.order_id
left join campaign_orders on orders.order_id = campaign_orders.order_id
where orders.is_completed and orders.order_date <= {{ as_of() }}
