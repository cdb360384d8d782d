-- Inventory value (USD, on-hand units × unit_cost) on every measurement day of the stock grains,
-- per warehouse: each warehouse's latest snapshot on or before the day (kpis.md,
-- inventory_value). Every day × warehouse has a row (0 before its first snapshot).
with days as (
    select measure_date from {{ stock_measure_days('inventory_value') }} as d
),

warehouse_snapshots as (
    select
        snapshots.warehouse_id,
        snapshots.snapshot_date,
        sum(snapshots.on_hand_units * products.unit_cost) as stock_value_usd
    from {{ ref('stg_operations__inventory_snapshots') }} as snapshots
    inner join {{ ref('stg_sales__products') }} as products on snapshots.product_id = products.product_id
    where snapshots.snapshot_date <= {{ as_of() }}
    group by snapshots.warehouse_id, snapshots.snapshot_date
),

latest as (
    select
        days.measure_date,
        warehouse_snapshots.warehouse_id,
        max(warehouse_snapshots.snapshot_date) as snapshot_date
    from days
    inner join warehouse_snapshots on warehouse_snapshots.snapshot_date <= days.measure_date
    group by days.measure_date, warehouse_snapshots.warehouse_id
),

warehouses as (
    select distinct warehouse_id from warehouse_snapshots
)

select
    {{ concat_key(['days.measure_date', 'warehouses.warehouse_id']) }} as snapshot_id,
    days.measure_date,
    warehouses.warehouse_id,
    coalesce(warehouse_snapshots.stock_value_usd, 0) as inventory_value_usd
from days
cross join warehouses
left join latest
    on days.measure_date = latest.measure_date and warehouses.warehouse_id = latest.warehouse_id
left join warehouse_snapshots
    on
        latest.warehouse_id = warehouse_snapshots.warehouse_id
        and latest.snapshot_date = warehouse_snapshots.snapshot_date
