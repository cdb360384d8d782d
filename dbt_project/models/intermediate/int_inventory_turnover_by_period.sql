-- The two sides of inventory_turnover and days_inventory_outstanding per month, quarter and year
-- period (kpis.md, Operational):
--   cogs_usd: Σ COGS of the completed orders of p (up to its measurement day). An order whose
--     revenue cannot be converted to USD is left out, its COGS too (kpis.md, Money: "left out of
--     every money figure (an order's COGS included)"), and counted in
--     unconvertible_count.
--   average_inventory_value_usd: the mean of the daily inventory value over the days of p up to
--     the measurement day on which at least one warehouse has a snapshot on or before that day
--     (NULL when there is no such day); inventory_days is how many such days there were.
with cogs as (
    {{ sum_by_period(ref('int_orders_costed_daily'), ['cogs_usd', 'unconvertible_orders'], ['fx_needed'], kind='ratio') }}
),

inventory as (
    {{ sum_by_period(ref('int_inventory_values_daily'), ['inventory_value_usd'], kind='ratio', day='inventory_date') }}
),

periods as (
    {{ kpi_periods('ratio') }}
)

select
    periods.grain,
    periods.period_start,
    periods.days_elapsed,
    cogs.cogs_usd,
    case
        when inventory.days_with_data > 0 then inventory.inventory_value_usd / inventory.days_with_data
    end as average_inventory_value_usd,
    inventory.days_with_data as inventory_days,
    cogs.fx_needed,
    cogs.unconvertible_orders as unconvertible_count
from periods
inner join cogs
    on periods.grain = cogs.grain and periods.period_start = cogs.period_start
inner join inventory
    on periods.grain = inventory.grain and periods.period_start = inventory.period_start
