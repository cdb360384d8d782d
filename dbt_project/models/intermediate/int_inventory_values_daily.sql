-- The inventory value (USD) on every day (inventory_date) from the first inventory snapshot to the as-of date
-- (kpis.md, inventory_value): a warehouse's snapshot on a date is its whole stock (a product
-- missing from it has 0 on hand); the value on day d is Σ over warehouses of Σ on_hand_units ×
-- products.unit_cost (USD, the current standard cost) of that warehouse's latest snapshot on or
-- before d. Days before the first snapshot of any warehouse have no row: no warehouse has a
-- snapshot on or before them (inventory_turnover averages only over the days that have one).
with snapshots as (
    select * from {{ ref('stg_operations__inventory_snapshots') }}
    where snapshot_date <= {{ as_of() }}
),

products as (
    select * from {{ ref('stg_sales__products') }}
),

warehouse_snapshots as (
    select
        snapshots.warehouse_id,
        snapshots.snapshot_date,
        sum(snapshots.on_hand_units * products.unit_cost) as stock_value_usd
    from snapshots
    inner join products on snapshots.product_id = products.product_id
    group by snapshots.warehouse_id, snapshots.snapshot_date
),

-- each warehouse snapshot holds from its date until the warehouse's next snapshot (exclusive)
warehouse_snapshot_spans as (
    select
        warehouse_id,
        snapshot_date,
        stock_value_usd,
        coalesce(
            lead(snapshot_date) over (partition by warehouse_id order by snapshot_date),
            {{ as_of() }} + 1
        ) as valid_until
    from warehouse_snapshots
),

calendar_days as (
    select cast(unnest(generate_series(min(snapshot_date), {{ as_of() }}, interval '1 day')) as date) as inventory_date
    from warehouse_snapshots
)

select
    calendar_days.inventory_date,
    sum(warehouse_snapshot_spans.stock_value_usd) as inventory_value_usd
from calendar_days
inner join warehouse_snapshot_spans
    on
        calendar_days.inventory_date >= warehouse_snapshot_spans.snapshot_date
        and calendar_days.inventory_date < warehouse_snapshot_spans.valid_until
group by calendar_days.inventory_date
