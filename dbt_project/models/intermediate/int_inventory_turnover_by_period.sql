-- The two sides of inventory_turnover and days_inventory_outstanding per month, quarter and
-- year period (kpis.md, Operational):
--   cogs_usd: Σ COGS of the completed orders of p (up to its measurement day). An order whose
--     revenue cannot be converted to USD is left out, its COGS included (kpis.md, Money), and
--     counted in unconvertible_count.
--   average_inventory_value_usd: the mean of the daily inventory value over the days of p up to
--     the measurement day on which at least one warehouse has a snapshot on or before that day
--     (NULL when there is no such day); inventory_days is how many such days there were.
with periods as (
    {{ kpi_periods('ratio') }}
),

orders as (
    select * from {{ ref('int_orders_costed') }}
    where is_completed
),

inventory as (
    select * from {{ ref('int_inventory_values_daily') }}
),

cogs as (
    select
        periods.grain,
        periods.period_start,
        coalesce(sum(orders.cogs_usd), 0) as cogs_usd,
        coalesce(bool_or(orders.needs_fx), false) as fx_needed,
        count(orders.order_id) filter (where not orders.is_convertible) as unconvertible_count
    from periods
    left join orders
        on orders.order_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
),

average_inventory as (
    select
        periods.grain,
        periods.period_start,
        avg(inventory.inventory_value_usd) as average_inventory_value_usd,
        count(inventory.inventory_date) as inventory_days
    from periods
    left join inventory
        on inventory.inventory_date between periods.period_start and periods.measure_date
    group by periods.grain, periods.period_start
)

select
    periods.grain,
    periods.period_start,
    periods.days_elapsed,
    cogs.cogs_usd,
    average_inventory.average_inventory_value_usd,
    average_inventory.inventory_days,
    cogs.fx_needed,
    cogs.unconvertible_count
from periods
inner join cogs
    on periods.grain = cogs.grain and periods.period_start = cogs.period_start
inner join average_inventory
    on periods.grain = average_inventory.grain and periods.period_start = average_inventory.period_start
