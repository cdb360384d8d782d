-- inventory_turnover: cogs(p) ÷ average inventory value of p (int_inventory_turnover_by_period).
-- NULL when no day of p has an inventory value or the average is 0.
{{ kpi_select(ref('int_inventory_turnover_by_period'), 'cogs_usd', 'average_inventory_value_usd', 'fx_needed', 'unconvertible_count') }}
