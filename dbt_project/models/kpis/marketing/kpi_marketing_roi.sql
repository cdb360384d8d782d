-- marketing_roi: (attributed_revenue − marketing_spend) ÷ marketing_spend. attributed_revenue is
-- the net revenue (USD) of the completed orders in p that at least one web session with a
-- non-empty campaign_id points to; an order counts once however many sessions point to it.
-- Sessions and orders are as of the as-of date (a session pointing to a later order points to
-- nothing). Unconvertible orders and spend rows are left out of the money and counted.
with periods as (
    {{ kpi_periods('ratio') }}
),

spend as (
    select * from {{ ref('kpi_marketing_spend') }}
),

campaign_orders as (
    select distinct order_id
    from {{ ref('stg_marketing__web_sessions') }}
    where coalesce(campaign_id, '') <> '' and order_id is not null
),

attributed_orders as (
    select orders.*
    from {{ ref('int_orders_converted_to_usd') }} as orders
    inner join campaign_orders on orders.order_id = campaign_orders.order_id
    where orders.is_completed
),

attributed as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(attributed_orders.net_revenue_usd), 0) as attributed_revenue,
        coalesce(bool_or(attributed_orders.needs_fx), false) as fx_needed,
        count(attributed_orders.order_id) filter (where not attributed_orders.is_convertible) as unconvertible_count
    from periods
    left join attributed_orders
        on attributed_orders.order_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    periods.grain,
    periods.period_start,
    {{ safe_divide('attributed.attributed_revenue - spend.value', 'spend.value') }} as value,
    cast(attributed.attributed_revenue - spend.value as double) as numerator,
    cast(spend.value as double) as denominator,
    attributed.fx_needed or spend.fx_needed as fx_needed,
    attributed.unconvertible_count + spend.unconvertible_count as unconvertible_count
from periods
inner join spend on periods.grain = spend.grain and periods.period_start = spend.period_start
inner join attributed on periods.grain = attributed.grain and periods.period_start = attributed.period_start
