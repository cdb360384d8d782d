-- Inventory value (USD) of every day up to the as-of date on which at least one warehouse has a
-- snapshot on or before it (int_inventory_values_daily): the days inventory_turnover and
-- days_inventory_outstanding average over.
select
    inventory_date,
    inventory_value_usd
from {{ ref('int_inventory_values_daily') }}
