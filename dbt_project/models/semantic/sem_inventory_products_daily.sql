-- Per day (every day of the time spine) and product: the inventory value (USD) of that product,
-- Σ over warehouses of on_hand_units × products.unit_cost of each warehouse's latest snapshot on
-- or before the day (a product missing from a warehouse's snapshot has 0 there; 0 before any
-- snapshot), and whether at least one warehouse has a snapshot on or before the day (the days
-- inventory_turnover and days_inventory_outstanding average over, kpis.md). Summed over the
-- products of a day it is int_inventory_values_daily; by product it slices both KPIs by category.
with snapshots as (
    select * from {{ ref('stg_operations__inventory_snapshots') }}
    where snapshot_date <= {{ as_of() }}
),

products as (
    select * from {{ ref('stg_sales__products') }}
),

days as (
    select date_day from {{ ref('sem_time_spine') }}
),

warehouse_dates as (
    select distinct
        warehouse_id,
        snapshot_date
    from snapshots
),

-- each warehouse snapshot holds from its date until the warehouse's next snapshot (exclusive)
spans as (
    select
        warehouse_id,
        snapshot_date,
        coalesce(
            lead(snapshot_date) over (partition by warehouse_id order by snapshot_date),
            {{ as_of() }} + 1
        ) as valid_until
    from warehouse_dates
),

product_values as (
    select
        snapshots.warehouse_id,
        snapshots.snapshot_date,
        snapshots.product_id,
        sum(snapshots.on_hand_units * products.unit_cost) as value_usd
    from snapshots
    inner join products on snapshots.product_id = products.product_id
    group by snapshots.warehouse_id, snapshots.snapshot_date, snapshots.product_id
),

day_values as (
    select
        days.date_day,
        product_values.product_id,
        sum(product_values.value_usd) as value_usd
    from days
    inner join spans
        on days.date_day >= spans.snapshot_date and days.date_day < spans.valid_until
    inner join product_values
        on spans.warehouse_id = product_values.warehouse_id and spans.snapshot_date = product_values.snapshot_date
    group by days.date_day, product_values.product_id
),

first_snapshot as (
    select min(snapshot_date) as first_day from snapshots
)

select
    {{ concat_key(['days.date_day', 'products.product_id']) }} as inventory_product_day_id,
    days.date_day as inventory_date,
    products.product_id,
    coalesce(day_values.value_usd, 0) as inventory_value_usd,
    coalesce(days.date_day >= first_snapshot.first_day, false) as has_snapshot
from days
cross join products
cross join first_snapshot
left join day_values on days.date_day = day_values.date_day and products.product_id = day_values.product_id
