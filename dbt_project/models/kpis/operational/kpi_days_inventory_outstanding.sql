-- days_inventory_outstanding: average inventory value ÷ cogs(p) × the number of days of p up to
-- its measurement day (int_inventory_turnover_by_period). NULL when cogs(p) is 0 or no day of p
-- has an inventory value.
{{ kpi_select(ref('int_inventory_turnover_by_period'), 'average_inventory_value_usd * days_elapsed', 'cogs_usd', 'fx_needed', 'unconvertible_count') }}
