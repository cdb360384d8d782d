-- revenue: Σ net revenue (USD) of completed orders with order_ts in p (int_orders_daily). Flow.
{{ kpi_flow(ref('int_orders_daily'), 'revenue_usd', 'fx_needed', 'unconvertible_orders') }}
