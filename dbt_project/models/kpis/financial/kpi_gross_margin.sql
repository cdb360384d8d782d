-- gross_margin: (revenue − cogs) ÷ revenue over the completed orders of p. An order whose revenue
-- cannot be converted is left out of both revenue and COGS (int_orders_costed_daily).
with summed as (
    {{ sum_by_period(ref('int_orders_costed_daily'), ['revenue_usd', 'cogs_usd', 'unconvertible_orders'], ['fx_needed']) }}
)

{{ kpi_select('summed', 'revenue_usd - cogs_usd', 'revenue_usd', 'fx_needed', 'unconvertible_orders') }}
