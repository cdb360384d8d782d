-- inventory_value: the inventory value (USD) on the measurement day of p: Σ over warehouses of
-- the value of that warehouse's latest snapshot on or before the day (int_inventory_values_daily).
-- Stock; 0 when no warehouse has a snapshot on or before the day. unit_cost is USD: no fx.
with inventory as (
    select * from {{ ref('int_inventory_values_daily') }}
),

periods as (
    {{ kpi_periods('stock') }}
)

select
    periods.grain,
    periods.period_start,
    coalesce(inventory.inventory_value_usd, 0) as value,
    cast(null as double) as numerator,
    cast(null as double) as denominator,
    false as fx_needed,
    0 as unconvertible_count
from periods
left join inventory on periods.measure_date = inventory.inventory_date
