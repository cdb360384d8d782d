-- marketing_roi: (attributed_revenue − marketing_spend) ÷ marketing_spend. attributed_revenue is
-- the net revenue (USD) of the completed orders in p that at least one web session with a
-- non-empty campaign_id points to (int_attributed_revenue_daily; an order counts once).
-- Unconvertible orders and spend rows are left out of the money and counted.
with attributed as (
    {{ sum_by_period(ref('int_attributed_revenue_daily'), ['attributed_revenue_usd', 'unconvertible_orders'], ['fx_needed']) }}
),

spend as (
    select * from {{ ref('kpi_marketing_spend') }}
),

combined as (
    select
        attributed.grain,
        attributed.period_start,
        attributed.attributed_revenue_usd - spend.value as net_return,
        spend.value as spend,
        attributed.fx_needed or spend.fx_needed as fx_needed,
        attributed.unconvertible_orders + spend.unconvertible_count as unconvertible_count
    from attributed
    inner join spend on attributed.grain = spend.grain and attributed.period_start = spend.period_start
)

{{ kpi_select('combined', 'net_return', 'spend', 'fx_needed', 'unconvertible_count') }}
