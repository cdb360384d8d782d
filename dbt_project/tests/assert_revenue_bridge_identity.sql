{{ config(meta={'dagster': {'ref': {'name': 'revenue_bridge'}}}) }}
-- The revenue bridge adds up (kpis.md, "Revenue bridge"): for every grain, period and comparison,
-- revenue(p) − revenue(b) = new_customers + lost_customers + price + volume, to the cent.
-- revenue(p) and revenue(b) are recomputed here by an independent path (orders, not the bridge's
-- per-customer, per-product windows), over the same to-date windows. Returns the periods that
-- break it; also fails when a bridge period lacks one of its four components.
with bridge as (
    select
        grain,
        period_start,
        comparison,
        sum(amount) as bridged,
        count(*) as components
    from {{ ref('revenue_bridge') }}
    group by grain, period_start, comparison
),

-- summed per order day first (exact decimal sums), so each window adds up days, not orders
orders as (
    select
        order_date,
        sum(net_revenue_usd) as net_revenue_usd
    from {{ ref('fct_orders') }}
    where is_completed and is_convertible and order_date <= {{ as_of() }}
    group by order_date
),

windows as (
    select
        grain,
        period_start,
        'previous' as comparison,
        measure_date,
        previous_start as base_start,
        previous_to_date_end as base_end
    from {{ ref('int_periods') }}
    union all
    select
        grain,
        period_start,
        'year_ago' as comparison,
        measure_date,
        year_ago_start,
        year_ago_to_date_end
    from {{ ref('int_periods') }}
),

revenues as (
    select
        windows.grain,
        windows.period_start,
        windows.comparison,
        (
            select coalesce(sum(o.net_revenue_usd), 0) from orders as o
            where o.order_date between windows.period_start and windows.measure_date
        ) as revenue_p,
        (
            select coalesce(sum(o.net_revenue_usd), 0) from orders as o
            where o.order_date between windows.base_start and windows.base_end
        ) as revenue_b
    from windows
    inner join bridge
        on
            windows.grain = bridge.grain
            and windows.period_start = bridge.period_start
            and windows.comparison = bridge.comparison
)

select
    bridge.*,
    revenues.revenue_p,
    revenues.revenue_b
from bridge
inner join revenues
    on
        bridge.grain = revenues.grain
        and bridge.period_start = revenues.period_start
        and bridge.comparison = revenues.comparison
where
    bridge.components <> 4
    or abs((revenues.revenue_p - revenues.revenue_b) - bridge.bridged) >= 0.005
