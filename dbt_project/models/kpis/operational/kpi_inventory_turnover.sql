-- inventory_turnover: cogs(p) ÷ average inventory value of p (int_inventory_turnover_by_period).
-- NULL when no day of p has an inventory value or the average is 0.
with turnover as (
    select * from {{ ref('int_inventory_turnover_by_period') }}
)

select
    grain,
    period_start,
    {{ safe_divide('cogs_usd', 'average_inventory_value_usd') }} as value,
    cast(cogs_usd as double) as numerator,
    cast(average_inventory_value_usd as double) as denominator,
    fx_needed,
    unconvertible_count
from turnover
