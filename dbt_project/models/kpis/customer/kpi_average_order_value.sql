-- average_order_value: revenue ÷ number of completed orders in p, in USD. An order whose amount
-- cannot be converted is left out of both the revenue and the order count (kpis.md, "Money").
{{ kpi_ratio(ref('int_orders_daily'), 'revenue_usd', 'convertible_orders', 'fx_needed', 'unconvertible_orders') }}
