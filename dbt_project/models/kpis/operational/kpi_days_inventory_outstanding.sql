-- days_inventory_outstanding: average inventory value ÷ cogs(p) × the number of days of p up to
-- its measurement day (int_inventory_turnover_by_period). NULL when cogs(p) is 0 or no day of p
-- has an inventory value.
with turnover as (
    select * from {{ ref('int_inventory_turnover_by_period') }}
)

select
    grain,
    period_start,
    {{ safe_divide('average_inventory_value_usd * days_elapsed', 'cogs_usd') }} as value,
    cast(average_inventory_value_usd * days_elapsed as double) as numerator,
    cast(cogs_usd as double) as denominator,
    fx_needed,
    unconvertible_count
from turnover
